"""Build, test and course tools of the assocmem book, run as ``python -m tools.<name>``.

Run from the repository root (the Makefile does). Nothing here is imported by the
``assocmem`` package or by the chapters. Tests import these modules through pytest's
``pythonpath = ["."]`` setting (pyproject.toml).
"""
