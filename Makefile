# Newsroom's entry points. `make demo` runs on the embedded defaults; `make test` on the real
# services started by docker/services.sh. See README.md.

SHELL := /bin/bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MANAGE := $(BIN)/python manage.py
SERVICES := docker/services.sh
# Our code only: makemessages must not walk the virtualenv or the service data.
MESSAGE_DIRS := --ignore '.venv/*' --ignore 'var/*' --ignore 'tests/*' --ignore 'docker/*'

.PHONY: help install demo up down image services services-down services-status test unit lint format messages lock

help:  ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-16s %s\n", $$1, $$2}'

# The virtualenv is rebuilt only when the lock file changes.
$(BIN)/.installed: requirements.lock
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet -r requirements.lock
	touch $@

install: $(BIN)/.installed  ## Create .venv and install the locked dependencies

demo: install  ## Migrate, print an admin login and serve http://127.0.0.1:8000 (embedded defaults)
	mkdir -p var
	$(MANAGE) migrate --noinput
	$(MANAGE) load_demo
	$(MANAGE) create_demo_admin
	@echo "Wagtail admin: http://127.0.0.1:8000/admin/   site: http://127.0.0.1:8000/"
	@# The scheduler publishes what is scheduled, and lifts embargoes, beside the server.
	$(MANAGE) run_scheduler & trap 'kill $$! 2>/dev/null' EXIT INT TERM; \
	$(MANAGE) runserver 127.0.0.1:8000

up: install  ## The production stack (nginx, gunicorn, relay, consumers, workers) on the running services
	bash docker/stack.sh up

down:  ## Stop the production stack started by `make up`
	bash docker/stack.sh down

image:  ## Build the container image, FROM a Debian made on this machine (docker/container.sh)
	bash docker/container.sh daemon base build

services:  ## Start PostgreSQL, RabbitMQ and Elasticsearch (installs what is missing)
	bash $(SERVICES) up

services-down:  ## Stop the services started by `make services`
	bash $(SERVICES) down

services-status:  ## Show which services run, with their versions
	bash $(SERVICES) status

test: install services  ## Run the whole test suite against the real services
	eval "$$(bash $(SERVICES) env)" && $(BIN)/pytest --durations=10

unit: install  ## Run tests/unit alone: no service, the embedded SQLite (under a minute)
	env -u DATABASE_URL -u RABBITMQ_URL -u ELASTICSEARCH_URL $(BIN)/pytest tests/unit

lint: install  ## ruff check, ruff format --check, mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy .

format: install  ## Apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

messages: install  ## Update the .po catalogues from the code and compile them
	$(MANAGE) makemessages --all --no-location $(MESSAGE_DIRS)
	$(MANAGE) compilemessages $(MESSAGE_DIRS)

lock:  ## Re-resolve pyproject.toml's pins into requirements.lock
	rm -rf var/lock-venv
	$(PYTHON) -m venv var/lock-venv
	var/lock-venv/bin/pip install --quiet -e '.[dev]'
	var/lock-venv/bin/pip freeze --exclude-editable > requirements.lock
	rm -rf var/lock-venv
