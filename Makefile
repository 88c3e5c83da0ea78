# Two commands do everything on a fresh machine:
#   make book   create .venv if missing, install, build the HTML book into _build/html
#   make test   create .venv if missing, install, run every test (unit, notebooks, strict build)
SHELL := bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# tiny tensors run faster on one thread; also keeps two notebook workers from fighting over 2 cores
export OMP_NUM_THREADS := 1
export MKL_NUM_THREADS := 1
export PYDEVD_DISABLE_FILE_VALIDATION := 1

help:
	@echo "make book    install into .venv and build the HTML book (_build/html/index.html)"
	@echo "make test    install into .venv and run every test"

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
book: $(STAMP)
	rm -rf _build/html _build/.doctrees _build/jupyter_execute _build/.jupyter_cache
	$(BIN)/jupyter-book build --all . -W -n --keep-going

unit: $(STAMP)
	$(BIN)/pytest -q tests

# Every chapter executes from a fresh kernel; --dist loadfile keeps a notebook's cells on one worker.
notebooks: $(STAMP)
	$(BIN)/pytest -q -p no:cacheprovider --nbval-lax -n 2 --dist loadfile book

test: unit notebooks book

clean:
	rm -rf _build

.PHONY: help install book unit notebooks test clean
