# The two commands: `make run` and `make test`. Everything else is what they need.
SHELL := /bin/bash
VENV ?= .venv
PYTHON ?= python3
PY := $(VENV)/bin/python
PORT ?= 8000
STAMP := $(VENV)/.installed-$(shell cat pyproject.toml | sha256sum | cut -c1-12)

.PHONY: run test bench drill lint format setup system-deps migrate demo graph messages clean

# On a laptop the app runs with DEBUG on unless told otherwise.
run: export DEBUG := $(or $(DEBUG),true)
# The demo's customer system searches a demo database of its own (created by seed_demo).
run: export DATAMAP_CONNECTORS := $(or $(DATAMAP_CONNECTORS),demo_customers)
run: export DATAMAP_CONNECTOR_DEMO_CUSTOMERS_URL := $(or $(DATAMAP_CONNECTOR_DEMO_CUSTOMERS_URL),sqlite:///$(abspath $(or $(VAR_DIR),var))/demo-customers.sqlite3)
run: setup
	@mkdir -p var
	$(PY) manage.py migrate --noinput
	$(PY) manage.py seed_demo
	@echo "Serving on http://127.0.0.1:$(PORT)  (Ctrl-C stops the web server, worker and beat)"
	$(VENV)/bin/honcho -f Procfile.dev start --port $(PORT)

test: setup
	$(VENV)/bin/pytest

bench: setup
	$(PY) -m tests.bench

# Back up a seeded database and its files, restore them into new ones, prove the restore
# whole (scripts/drill): PostgreSQL with DATABASE_URL, otherwise SQLite.
drill: setup
	$(PY) scripts/drill

# Lint, formatting, types, and the import contracts (pyproject.toml, [tool.importlinter]).
lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy .
	$(VENV)/bin/lint-imports
	$(PY) scripts/import-cycles

format: setup
	$(VENV)/bin/ruff format .
	$(VENV)/bin/ruff check --fix .

setup: system-deps $(STAMP)

system-deps:
	@scripts/system-deps

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e ".[dev]"
	@rm -f $(VENV)/.installed-*
	@touch $@

# Developer commands: they read no secret, so they run with DEBUG's development defaults.
graph messages: export DEBUG := $(or $(DEBUG),true)
graph: setup
	$(PY) manage.py graph_transitions requests_app.Case -o docs/state-machine.dot
	dot -Tsvg docs/state-machine.dot -o docs/state-machine.svg

messages: setup
	$(PY) manage.py makemessages -l ja --no-location --ignore=.venv --ignore=var
	$(PY) manage.py compilemessages --ignore=.venv

clean:
	rm -rf $(VENV) var
