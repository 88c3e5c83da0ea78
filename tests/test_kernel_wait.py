"""tools.kernel_wait: a reply whose asyncio wake-up is lost is still picked up within
one slice."""

import asyncio
import time
from queue import Empty

import pytest
from jupyter_client.channels import AsyncZMQSocketChannel

from tools import kernel_wait


class LostWakeupSocket:
    """A socket whose ``poll(timeout)`` never wakes early: like the lost ``ZMQ_FD``
    edge, a queued message is seen only by the check at the end of the wait."""

    def __init__(self, arrives_after):
        self.ready_at = time.monotonic() + arrives_after

    async def poll(self, timeout_ms):
        await asyncio.sleep(timeout_ms / 1000)
        return int(time.monotonic() >= self.ready_at)


def channel(sock):
    ch = AsyncZMQSocketChannel.__new__(AsyncZMQSocketChannel)
    ch.socket = sock

    async def recv():
        return {"msg": "execute_reply"}

    ch._recv = recv
    return ch


@pytest.fixture
def sliced():
    kernel_wait.install()
    yield
    kernel_wait.uninstall()


def elapsed(coro):
    start = time.monotonic()
    result = asyncio.run(coro)
    return result, time.monotonic() - start


def test_a_lost_wakeup_costs_the_whole_timeout_without_slices():
    kernel_wait.uninstall()
    msg, took = elapsed(channel(LostWakeupSocket(0.05)).get_msg(timeout=2.0))
    assert msg == {"msg": "execute_reply"} and took >= 2.0


def test_a_lost_wakeup_costs_at_most_one_slice(sliced):
    before = kernel_wait.recovered()
    msg, took = elapsed(channel(LostWakeupSocket(0.05)).get_msg(timeout=2.0))
    assert msg == {"msg": "execute_reply"}
    assert took < kernel_wait.SLICE + 0.3
    assert kernel_wait.recovered() == before + 1


def test_the_callers_timeout_still_raises_empty(sliced):
    start = time.monotonic()
    with pytest.raises(Empty):
        asyncio.run(channel(LostWakeupSocket(60)).get_msg(timeout=1.2))
    assert 1.2 <= time.monotonic() - start < 1.2 + kernel_wait.SLICE


def test_install_is_idempotent(sliced):
    assert kernel_wait.install() is False
    assert AsyncZMQSocketChannel.get_msg is kernel_wait._get_msg_in_slices
