# stancegraph: two commands set up and run everything (see README "Quick start").
#   make run   - create .venv, install the package, run the main job
#   make test  - install the Debian packages the tests need (as root; otherwise name them), create
#                .venv, install the package with its test and docs extras, run pytest
#   make lint  - ruff over src/ and tests/
#   make docs  - install the docs extra (matplotlib, Graphviz's Python package), write the
#                documentation site in dist/docs/ and the README's pictures in docs/img/
# Installs are stamped inside .venv, so re-runs reinstall only when pyproject.toml changes.

PYTHON_BOOT ?= $(shell command -v python3.11 2>/dev/null || command -v python3)
VENV   := .venv
PY     := $(VENV)/bin/python
SG     := $(VENV)/bin/stancegraph
STAMPS := $(VENV)/.stamps

.PHONY: run test lint docs clean system-deps

$(PY):
	@test -n "$(PYTHON_BOOT)" || { echo "make: need python3.11 (or python3 >= 3.11) on PATH" >&2; exit 2; }
	$(PYTHON_BOOT) -m venv $(VENV)

# An editable install compiles nothing; compileall writes src/'s bytecode once, as a first run
# would, also where PYTHONDONTWRITEBYTECODE is set (then every run compiled the package anew).
$(STAMPS)/run: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e .
	$(PY) -m compileall -q src >/dev/null
	@mkdir -p $(STAMPS) && touch $@

# The drawing libraries are the docs extra: `make run` never installs them (issue #20).
$(STAMPS)/docs: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[docs]'
	$(PY) -m compileall -q src >/dev/null
	@mkdir -p $(STAMPS) && touch $@ $(STAMPS)/run

$(STAMPS)/test: pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --disable-pip-version-check -e '.[test,docs]'
	$(PY) -m compileall -q src >/dev/null
	@mkdir -p $(STAMPS) && touch $@ $(STAMPS)/run $(STAMPS)/docs

# The main job: describe the graph, build dist/, validate the dataset against the shapes, and
# print the answers to the headline questions. 'stancegraph run' does what 'info', 'build',
# 'validate' and 'query --headline' do one after another, in one process that reads the files
# once and validates beside the build (issue #7); its exit code is the worst of the four.
run: $(STAMPS)/run
	$(SG) run

# Graphviz, Chromium, Apache Jena, Virtuoso, a JDK: installed as root, named otherwise (the tests
# that need them then skip, and pytest's last lines say which and how to enable them).
system-deps:
	@scripts/install-system-deps || echo "make: scripts/install-system-deps failed;" \
	  "the tests that need what it could not install will be skipped" >&2

# The suite on every core (pytest-xdist), each test file kept on one worker so that a file's
# module-scoped fixtures (a project copy, a store, a server) are made once. The files are handed
# out longest first (tests/conftest.py's SLOW_FIRST; it turns off xdist's own reordering).
test: system-deps $(STAMPS)/test
	$(PY) -m pytest -q -n auto --dist loadfile

# The documentation site (dist/docs/) and the pictures the README shows (docs/img/).
docs: $(STAMPS)/docs
	$(SG) docs --copy-images docs/img

lint: $(STAMPS)/test
	$(VENV)/bin/ruff check src tests
	$(VENV)/bin/ruff format --check src tests

clean:
	rm -rf $(VENV) dist build .stancegraph .pytest_cache .ruff_cache src/*.egg-info
