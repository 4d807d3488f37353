# igbot: `make demo` runs the main job, `make test` runs the tests (both set up .venv first).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# The engine's hot path is compiled by mypyc (setup.py; IGBOT_PURE=1 for pure Python). The
# compiled modules shadow their sources: BUILT is rebuilt when one of them changes.
export IGBOT_PURE
BUILD := $(if $(filter 1,$(IGBOT_PURE)),pure,compiled)
BUILT := $(VENV)/.built-$(BUILD)
COMPILED_SOURCES := $(shell $(PYTHON) igbot/_build.py)

.PHONY: demo test lint imports bench lab clean build

$(STAMP): pyproject.toml constraints.txt setup.py
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip 'setuptools>=77' wheel
	IGBOT_PURE=1 $(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	rm -f $(VENV)/.built-*
	touch $(STAMP)

# compile (or, with IGBOT_PURE=1, remove the compiled modules): after the install above, which
# is pure Python, and after an edit to a compiled source. In .venv itself, not an isolated build
# environment: mypyc type-checks the compiled modules against what they import (pydantic,
# msgspec, ...), which only .venv has.
$(BUILT): $(STAMP) igbot/_build.py $(COMPILED_SOURCES)
	$(PY) -m pip install --quiet --no-deps --no-build-isolation -c constraints.txt -e .
	rm -f $(VENV)/.built-*
	touch $(BUILT)

build: $(BUILT)

demo: $(BUILT)
	$(PY) -m igbot.demo --out out

test: $(BUILT)
	$(PY) -m pytest tests notebooks --nbval-lax; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; rc=0; fi; exit $$rc

lint: imports
	$(VENV)/bin/ruff check igbot tests bench
	$(VENV)/bin/mypy

# the import contracts in .importlinter: floors, no cycles, no private modules across packages
imports: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache

bench: $(BUILT)
	$(PY) bench/engine.py
	$(PY) bench/methods.py --calls 600
	$(PY) bench/serve.py
	$(PY) bench/serve_postgres.py --backend postgresql --rate 100
	$(PY) bench/channel.py
	$(PY) bench/graph.py
	$(PY) bench/analytics.py --quick
	$(PY) bench/replay.py --messages 20000

# the lab extra installs igbot again, pure (an isolated build cannot compile it): compile after
lab: $(STAMP)
	IGBOT_PURE=1 $(PY) -m pip install --quiet -c constraints.txt -e '.[lab]'
	rm -f $(VENV)/.built-*
	$(MAKE) build
	$(VENV)/bin/jupyter lab notebooks

clean:
	rm -rf $(VENV) out igbot-data build igbot/*.so igbot/*/*.so
