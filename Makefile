# The two commands: `make run` (demo on SQLite, no services needed) and `make test`.
SHELL := /bin/bash
VENV := .venv
PY := $(VENV)/bin/python
# Django 6 needs Python 3.12+; on these machines pyenv has it but the default python3 is 3.11.
PYTHON ?= $(shell for p in python3.12 python3.13 python3; do \
	PYENV_VERSION=3.12.1 $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
	&& { echo "PYENV_VERSION=3.12.1 $$p"; break; }; done)

.PHONY: run test bench lint fmt services worker worker-pdf beat clean

$(VENV)/.installed: pyproject.toml
	@test -n "$(PYTHON)" || { echo "Python 3.12 or newer is needed" >&2; exit 1; }
	test -x $(PY) || $(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet ".[dev]"
	touch $@

RUN_PORT ?= 8000
# Links in the demo's emails point at the port it is served on.
run: export SITE_URL ?= http://127.0.0.1:$(RUN_PORT)

run: $(VENV)/.installed
	mkdir -p var
	$(PY) manage.py migrate --no-input
	$(PY) manage.py seed_demo
	$(PY) manage.py runserver 127.0.0.1:$(RUN_PORT)

services:
	scripts/services-up.sh

test: $(VENV)/.installed services
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	DJANGO_SETTINGS_MODULE=config.settings.test $(PY) manage.py makemigrations --check --dry-run
	$(VENV)/bin/pytest $(PYTEST_ARGS)

# Figures to read, not pass/fail timings: each is printed beside its baseline from the same run.
bench: $(VENV)/.installed services
	$(VENV)/bin/pytest benchmarks -q -s -p no:cacheprovider
	$(PY) benchmarks/http_bench.py

lint: $(VENV)/.installed
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .

fmt: $(VENV)/.installed
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Two kinds of worker: `worker` sends emails and runs the sweeps' jobs (the default queue);
# `worker-pdf` renders PDFs and backups, one at a time, each render's memory bounded by
# one process (docs/documents.md). Run both; more of either scale out (README).
worker: $(VENV)/.installed
	$(VENV)/bin/celery -A config worker -Q celery --loglevel=INFO

worker-pdf: $(VENV)/.installed
	$(VENV)/bin/celery -A config worker -Q pdf --concurrency=1 -n pdf@%h --loglevel=INFO

beat: $(VENV)/.installed
	$(VENV)/bin/celery -A config beat --loglevel=INFO

clean:
	rm -rf $(VENV) var/db.sqlite3 var/mail test-output staticfiles
