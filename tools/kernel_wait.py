"""Wait for kernel messages in short slices, so a missed wake-up costs a second, not a
whole cell timeout.

The stall. Executing a chapter with nbclient (the book build, the student-edition test,
the grader) sometimes sat idle on one cell until the cell timeout expired, then carried
on as if nothing had happened: the cell's result was fine and no error was raised.
Measured on a three-cell notebook whose second cell shows a ``widgets.interact``
explorer: 1 run in 47 took exactly the 60 s timeout on that cell, against 0.1-0.3 s
otherwise. The kernel had long sent its reply: in a stalled run with a 20 s timeout, the
kernel stamped its ``execute_reply`` 0.5 s after the request and the client received it
at 20.0 s. When the wait times out, the poller checks the socket once more without
waiting (``zmq_poll`` with timeout 0), finds the reply there, and returns it. So the
reply sat on the shell socket while the client's asyncio poller was never woken for it.

Why. ``jupyter_client``'s asyncio channels wait with ``await socket.poll(timeout)`` of
``zmq.asyncio``, which watches the socket's ``ZMQ_FD``. That descriptor is
*edge*-triggered: it signals a change of the socket's event state, and a read of
``ZMQ_EVENTS`` at the wrong moment consumes the edge without dispatching it (pyzmq
documents the hazard; widget cells, which send bursts of comm messages, make the race
likely). The synchronous ``zmq_poll`` used at the timeout is level-triggered and always
sees the message.

The fix. ``install()`` makes ``AsyncZMQSocketChannel.get_msg`` wait in slices of
``SLICE`` seconds up to the caller's deadline. Each slice ends with that level-triggered
check, so a reply whose wake-up was lost is picked up within ``SLICE`` seconds, and the
caller's own timeout keeps its meaning. Nothing is retried or re-sent; only the waiting
changes. ``recovered()`` counts the replies that a slice check found after a missed
wake-up.
"""

import time
from queue import Empty

from jupyter_client.channels import AsyncZMQSocketChannel

SLICE = 0.5  # seconds; a lost wake-up delays a message by at most this
_original = AsyncZMQSocketChannel.get_msg
_stats = {"recovered": 0}


async def _get_msg_in_slices(self, timeout=None):
    """``AsyncZMQSocketChannel.get_msg`` with the wait cut into slices (same contract:
    Empty on timeout)."""
    deadline = None if timeout is None else time.monotonic() + timeout
    while True:
        left = (
            SLICE
            if deadline is None
            else max(0.0, min(SLICE, deadline - time.monotonic()))
        )
        start = time.monotonic()
        if await self.socket.poll(int(left * 1000)):
            if left > 0 and time.monotonic() - start >= left:
                _stats["recovered"] += (
                    1  # ready only at the slice's final check: a lost wake-up
                )
            return await self._recv()
        if deadline is not None and time.monotonic() >= deadline:
            raise Empty


def install():
    """Patch the asyncio channel class once (idempotent). Returns True if it patched
    now."""
    if AsyncZMQSocketChannel.get_msg is _get_msg_in_slices:
        return False
    AsyncZMQSocketChannel.get_msg = _get_msg_in_slices
    return True


def uninstall():
    AsyncZMQSocketChannel.get_msg = _original


def recovered():
    """How many messages a slice check found after the asyncio wake-up was missed (since
    import)."""
    return _stats["recovered"]
