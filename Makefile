# Developer entry points. Plain `make` only prints this list.
#
#   make run    create .venv, install, migrate, seed the demo tenant, start the server
#   make test   create .venv, install, lint + type checks, run the whole test suite
#   make bench  load benchmark of `chatbot serve` against its anchors; writes bench/REPORT.md
#
# Needs only python3 (3.11+), pip/venv, a C compiler and make.

PYTHON      ?= python3
VENV        ?= .venv
BIN         := $(VENV)/bin
STAMP       := $(VENV)/.installed
PYTEST_ARGS ?=
# The suite runs on this many processes (pytest-xdist; 0 runs it in this one). Each has its own
# temporary files and, on PostgreSQL, its own database (tests/conftest.py).
PYTEST_WORKERS ?= 2
BENCH_ARGS  ?=

.DEFAULT_GOAL := help

.PHONY: help install $(VENV) run chat lint format test bench clean

help: ## list the targets
	@echo "Usage: make <target>"
	@echo
	@awk 'BEGIN {FS = ":.*## "} /^[a-zA-Z_.-]+:.*## / {printf "  %-10s %s\n", $$1, $$2}' $(MAKEFILE_LIST)
	@echo
	@echo "Variables: PYTHON=$(PYTHON)  PYTEST_WORKERS=$(PYTEST_WORKERS)  PYTEST_ARGS='$(PYTEST_ARGS)'  BENCH_ARGS='$(BENCH_ARGS)'"

# The virtual environment is (re)installed when pyproject.toml changes, or when
# .venv is missing or broken (for example after the system Python was upgraded).
$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(sys.version_info < (3, 11))' || { \
		echo "error: $(PYTHON) is older than 3.11; run 'make PYTHON=python3.11 ...'" >&2; exit 1; }
	@if ! $(BIN)/python -c 'import sys' >/dev/null 2>&1; then \
		echo "creating $(VENV) with $(PYTHON)"; \
		rm -rf $(VENV) && $(PYTHON) -m venv $(VENV); \
	fi
	$(BIN)/python -m pip install --disable-pip-version-check --upgrade pip
	$(BIN)/pip install --disable-pip-version-check -e '.[dev]'
	@touch $@

install: $(STAMP) ## create .venv and install the package with its dev tools

$(VENV): $(STAMP)

run: install ## migrate the database, seed the demo tenant and start the server
	$(BIN)/chatbot db upgrade
	$(BIN)/chatbot demo
	$(BIN)/chatbot serve

chat: install ## talk to the demo bot in this terminal
	$(BIN)/chatbot db upgrade
	$(BIN)/chatbot demo --quiet
	$(BIN)/chatbot chat

lint: install ## ruff, formatting, mypy, import contracts, hadolint
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy
	$(BIN)/lint-imports
	$(BIN)/hadolint Dockerfile

format: install ## apply ruff's fixes and formatting
	$(BIN)/ruff check --fix .
	$(BIN)/ruff format .

test: lint ## lint, then run the test suite (extra pytest options: PYTEST_ARGS=...)
	$(BIN)/pytest -n $(PYTEST_WORKERS) --dist worksteal $(PYTEST_ARGS)

bench: install ## load benchmark against the anchors (BENCH_ARGS=--quick: < 1 min); writes bench/REPORT.md
	$(BIN)/python -m bench.load $(BENCH_ARGS)

clean: ## remove .venv, var/ (local data) and caches
	rm -rf $(VENV) var build dist *.egg-info \
		.mypy_cache .ruff_cache .pytest_cache .hypothesis .import_linter_cache
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
