# pyros: `make run` sets up and starts everything; `make test` sets up and runs the whole suite.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test setup static migrate bench lint check clean

$(STAMP): requirements.txt requirements-dev.txt
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -r requirements-dev.txt
	touch $(STAMP)

setup: $(STAMP)

# Hashed, compressed copies of the static files in run/static (WhiteNoise serves them with DEBUG off).
static: setup
	$(PY) manage.py collectstatic --noinput --verbosity 0

migrate: setup
	$(PY) manage.py migrate --noinput

# One command, no shell in between: Ctrl+C reaches the server, which exits cleanly (no make error).
run: export DJANGO_DEBUG ?= 1
run: migrate static
	$(PY) manage.py runserver $(HOST):$(PORT)

test: setup
	$(PY) -m pytest $(PYTEST_ARGS)

bench: setup
	$(PY) bench/run.py

lint: setup
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) db.sqlite3 run .hypothesis
