# Accord: `make demo` and `make test` need only Python >= 3.11 and GNU make (Linux or macOS).
# The first run creates .venv and installs Accord with its tools; later runs skip that step
# until pyproject.toml changes.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.accord-installed
DATA_DIR ?= .accord
APP_PACKAGES := models runtime normalizers ledger engine activities workflows sandbox connectors approvals codec_server scheduling
# Only the packages that exist yet, so a missing room does not break the build.
MYPY_TARGETS := $(wildcard $(APP_PACKAGES))

export PIP_NO_INPUT := 1
export PIP_DISABLE_PIP_VERSION_CHECK := 1
export PYTHONDONTWRITEBYTECODE := 1

.DEFAULT_GOAL := help
.PHONY: help install demo test lint format worker ui clean

help:
	@echo "make demo    reconcile a generated month end to end (embedded Temporal + PostgreSQL)"
	@echo "make test    ruff, mypy and the whole test suite on the real servers"
	@echo "make lint    ruff check and format check"
	@echo "make worker  a worker alone, against the configured Temporal and ledger"
	@echo "make ui      the embedded Temporal UI on the saved history (after make demo)"
	@echo "make clean   remove $(DATA_DIR) (embedded servers' data, demo data, reports)"

$(BIN)/python:
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Accord needs Python >= 3.11; $(PYTHON) is " + sys.version.split()[0] + " (set PYTHON=python3.11 or newer)")'
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: $(STAMP)
	$(BIN)/python starter.py demo

worker: $(STAMP)
	$(BIN)/python worker.py

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: $(STAMP)
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

test: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/mypy $(MYPY_TARGETS)
	$(BIN)/python -m pytest

clean:
	rm -rf $(DATA_DIR)

ui: $(STAMP)
	$(BIN)/python starter.py ui
