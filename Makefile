# igbot: `make demo` runs the main job, `make test` runs the tests (both set up .venv first).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: demo test lint imports bench lab clean

$(STAMP): pyproject.toml constraints.txt
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -c constraints.txt -e '.[test]'
	touch $(STAMP)

demo: $(STAMP)
	$(PY) -m igbot.demo --out out

test: $(STAMP)
	$(PY) -m pytest tests notebooks --nbval-lax; rc=$$?; if [ $$rc -eq 5 ]; then echo "no tests collected"; rc=0; fi; exit $$rc

lint: imports
	$(VENV)/bin/ruff check igbot tests bench
	$(VENV)/bin/mypy

# the import contracts in .importlinter: floors, no cycles, no private modules across packages
imports: $(STAMP)
	$(VENV)/bin/lint-imports --no-cache

bench: $(STAMP)
	$(PY) bench/engine.py
	$(PY) bench/methods.py --calls 600
	$(PY) bench/serve.py
	$(PY) bench/serve_postgres.py --backend postgresql --rate 100
	$(PY) bench/channel.py
	$(PY) bench/graph.py
	$(PY) bench/analytics.py --quick
	$(PY) bench/replay.py --messages 20000

lab: $(STAMP)
	$(PY) -m pip install --quiet -c constraints.txt -e '.[lab]'
	$(VENV)/bin/jupyter lab notebooks

clean:
	rm -rf $(VENV) out igbot-data
