# Two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Browser tests drive Debian's Chromium through Playwright (no browser download).
CHROMIUM := /usr/bin/chromium
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)

.PHONY: demo test install bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# The matcher modules Cython compiles (setup.py): an edit rebuilds them.
COMPILED := $(wildcard matchers/*.pxd matchers/normalize.py matchers/lexicon.py matchers/rules.py matchers/matcher.py)

$(STAMP): $(BIN)/python pyproject.toml setup.py $(COMPILED)
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

install: $(STAMP)

$(CHROMIUM):
	$(SUDO) apt-get update -qq
	DEBIAN_FRONTEND=noninteractive $(SUDO) apt-get install -y -qq chromium

demo: $(STAMP)
	$(BIN)/veille demo

test: $(STAMP) $(CHROMIUM)
	$(BIN)/python -m pytest -q

bench: $(STAMP)
	$(BIN)/python bench/match.py
	$(BIN)/python bench/crawl.py
	$(BIN)/python bench/store.py
	$(BIN)/python bench/serve.py

clean:
	rm -rf $(VENV) data/*.db build matchers/*.c matchers/*.so
