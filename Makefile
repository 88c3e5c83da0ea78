# Two commands do everything on a fresh machine:
#   make book   create .venv if missing, install, build the HTML book into _build/html
#   make test   create .venv if missing, install, run every test (unit, notebooks, student edition, strict
#               build, then the built pages offline and in headless Chromium)
#   make student  write the student edition of every chapter into student/
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
VENDOR := _vendor/.complete
# tiny tensors run faster on one thread; also keeps two notebook workers from fighting over 2 cores
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

help:
	@echo "make book     install into .venv and build the HTML book (_build/html/index.html)"
	@echo "make test     install into .venv and run every test"
	@echo "make student  write the student edition of every chapter into student/"

# (Re)install whenever the pins or the package metadata change.
$(STAMP): requirements.txt pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install -q --disable-pip-version-check -r requirements.txt
	$(BIN)/pip install -q --disable-pip-version-check --no-deps --no-build-isolation -e .
	touch $@

install: $(STAMP)

# --all: re-read every page, so every notebook executes again (execute_notebooks: force in _config.yml).
# -W -n --keep-going: any warning (a failing cell, a broken reference) fails the build, after listing them all.
# Removing the previous output first means a stale page can never survive into a green build.
book: $(STAMP) $(VENDOR)
	rm -rf _build/html _build/.doctrees _build/jupyter_execute _build/.jupyter_cache _build/screens
	$(BIN)/jupyter-book build --all . -W -n --keep-going

# MathJax, require.js and the widget manager from the npm registry (pinned, sha512-checked), so the book renders
# offline (git-ignored; about 6 MB, 5 s). Re-vendored when the pins in the script change.
$(VENDOR): scripts/vendor_js.sh
	bash scripts/vendor_js.sh

vendor: $(VENDOR)

# The tests that need a built book (test_offline, test_browser) or execute chapters (test_student) run in
# their own steps below.
unit: $(STAMP)
	$(BIN)/pytest -q tests --ignore=tests/test_offline.py --ignore=tests/test_browser.py --ignore=tests/test_student.py

# Student edition: solutions replaced by `...` stubs, {solution} blocks removed (scripts/student.py).
student: $(STAMP)
	$(BIN)/python scripts/student.py book student

# No solution survives in the student edition, and every auto-checked stub fails its check (runs the chapters).
student-test: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider -n 2 tests/test_student.py

# Headless Chromium from Debian, when missing (as root; about 80 s).
chromium:
	command -v chromium >/dev/null || { apt-get update -q && apt-get install -y -q chromium; }

# The built book: no external script/stylesheet, and every page in a real browser from file:// (math typeset,
# widgets rendered, no console error, no network request); screenshots in _build/screens/. Run after `make book`.
browser: $(STAMP) chromium
	ASSOCMEM_REQUIRE_BUILD=1 $(BIN)/pytest -q -p no:cacheprovider tests/test_offline.py tests/test_browser.py

# Every chapter executes from a fresh kernel; --dist loadfile keeps a notebook's cells on one worker.
notebooks: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider --nbval-lax -n 2 --dist loadfile book

# In this order (browser needs the book just built).
test: unit notebooks student-test book browser

clean:
	rm -rf _build student

.PHONY: help install book vendor unit student student-test chromium browser notebooks test clean
