"""pip's package sources, as options for uv: ``python -m tools.pip_sources``.

The Makefile installs the lock with uv (``uv pip install``), which does not read pip's
configuration. This prints, one option per line, the sources that ``pip config list``
shows (pip's configuration files and ``PIP_*`` variables): ``--index-url``, every
``--extra-index-url`` and ``--find-links``, and ``--cert``. With ``--index-strategy
unsafe-best-match`` (pip's own rule: the best version on any index) uv then resolves
every pin where pip would. Prints nothing where pip is not configured (PyPI alone).
"""

import re
import subprocess
import sys

KEYS = ("index-url", "extra-index-url", "find-links", "cert")
MANY = {"extra-index-url", "find-links"}  # space-separated lists
# pip reads its files global < user < site, then its PIP_* variables (":env:")
RANK = {"global": 0, "user": 1, "site": 2, ":env:": 3}
LINE = re.compile(r"^([^.\s]+)\.([a-z-]+)='(.*)'$")


def options(config_list):
    """uv options for the output of ``pip config list`` (a str).

    Parameters
    ----------
    config_list : str
        What ``pip config list`` printed: lines ``scope.key='value'``.

    Returns
    -------
    list of str

    Examples
    --------
    >>> options("global.find-links='/w'\\n:env:.find-links='/v /u'\\nglobal.cert='/c'")
    ['--find-links', '/v', '--find-links', '/u', '--cert', '/c']
    """
    if not isinstance(config_list, str):
        raise TypeError(f"config_list must be a str, got {type(config_list).__name__}")
    best = {}
    for line in config_list.splitlines():
        m = LINE.match(line.strip())
        if not m or m[2] not in KEYS or m[1] not in RANK:
            continue
        scope, key, value = m.groups()
        if key not in best or RANK[scope] >= best[key][0]:
            best[key] = (RANK[scope], value)
    out = []
    for key in KEYS:
        if key in best:
            values = best[key][1].split() if key in MANY else [best[key][1]]
            for value in values:
                out += [f"--{key}", value]
    return out


def pip_options():
    """uv options for the sources of this Python's pip (runs ``pip config list``).

    Returns
    -------
    list of str
    """
    pip = [sys.executable, "-m", "pip", "config", "list"]
    listed = subprocess.run(pip, capture_output=True, text=True, check=True).stdout
    return options(listed)


def main():
    print("\n".join(pip_options()))


if __name__ == "__main__":
    main()
