# `make run`: set up .venv if needed and run the pipeline on seeds/ into warehouse/.
# `make test`: same setup, then the test suite.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test catalog clean-warehouse

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[test]"
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/wirehouse run seeds --warehouse warehouse

test: $(STAMP)
	$(BIN)/python -m pytest

catalog: $(STAMP)
	$(BIN)/wirehouse catalog --warehouse warehouse

clean-warehouse:
	rm -rf warehouse/lake warehouse/news.duckdb warehouse/reports warehouse/.lock
