# kmo2informer: the two commands a new user needs are `make dev` (or `make up`) and
# `make test`. Every target works from a fresh clone.
SHELL := /bin/bash
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
DATABASE_URL ?= postgresql://postgres@127.0.0.1:5432/kmo2informer
AMQP_URL ?= amqp://guest:guest@127.0.0.1:5672/
export DATABASE_URL AMQP_URL

.PHONY: install dev up down migrate test test-unit lint format bench clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

$(VENV)/.installed: $(BIN)/python requirements-dev.txt */pyproject.toml */*/pyproject.toml
	$(BIN)/pip install --quiet -r requirements-dev.txt
	touch $@

install: $(VENV)/.installed ## build .venv with every package, editable

migrate: install ## apply the SQL migrations to DATABASE_URL
	$(BIN)/python -m common.db.migrate --create-database

# A per-machine development key for secrets at rest, made on first use (never committed).
.dev/secret_keys: | $(VENV)/.installed
	mkdir -p .dev
	$(BIN)/kmo2informer keys generate | $(BIN)/python -c "import json,sys; print(json.load(sys.stdin)['key'])" > $@

DEV_ENV = PATH=$(CURDIR)/$(BIN):$$PATH SECRET_KEYS=$$(cat .dev/secret_keys) \
	INFORMER_BASE_URL=http://127.0.0.1:8102/v2 INGEST_PUBLIC_URL=http://127.0.0.1:8080 \
	LOG_FORMAT=console HTTP_HOST=127.0.0.1 SESSION_COOKIE_SECURE=false

dev: install .dev/secret_keys ## run everything as local processes with the sandboxes and a demo merchant
	$(BIN)/python -m common.db.migrate --create-database
	$(DEV_ENV) $(BIN)/honcho -f Procfile.dev start

up: ## run everything with Docker Compose
	docker compose up --build --detach
	@echo "Dashboard: http://localhost:8000  RabbitMQ console: http://localhost:15672  Mail: http://localhost:8025"

down:
	docker compose down

test: install ## unit, contract, integration and e2e tests against real PostgreSQL and RabbitMQ
	$(BIN)/pytest

test-unit: install
	$(BIN)/pytest tests/unit

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

bench: install ## a benchmark, not a test: webhooks to invoices, every service as a process
	$(BIN)/python bench/run.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis test-output
