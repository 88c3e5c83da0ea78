"""uv gets pip's package sources: each from the scope pip reads last, lists split."""

import pytest

from tools.pip_sources import options

LISTED = """\
:env:.find-links='/opt/wheels'
global.cert='/etc/ssl/certs/ca.crt'
global.constraint='/etc/pip/constraints.txt'
global.extra-index-url='file:///a/simple file:///b/simple'
global.find-links='/old/wheels'
user.index-url='https://mirror.example/simple'
"""


def test_each_source_comes_from_the_scope_pip_reads_last():
    assert options(LISTED) == [
        "--index-url",
        "https://mirror.example/simple",
        "--extra-index-url",
        "file:///a/simple",
        "--extra-index-url",
        "file:///b/simple",
        "--find-links",
        "/opt/wheels",  # the PIP_FIND_LINKS variable wins over the global file
        "--cert",
        "/etc/ssl/certs/ca.crt",
    ]


def test_no_configuration_means_no_options():
    assert options("") == []
    assert options("global.timeout='60'\n") == []


def test_a_non_string_is_refused():
    with pytest.raises(TypeError, match="config_list"):
        options(None)
