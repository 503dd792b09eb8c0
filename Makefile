# `make run`: set up .venv if needed and run the pipeline on seeds/ into warehouse/.
# `make test`: same setup, then the test suite.
# `make lock`: re-resolve pyproject.toml's ranges in a scratch venv and rewrite requirements.lock
#              (an upgrade on purpose: run the tests on the new lock before committing it).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test catalog clean-warehouse lock

# exact versions from the lock, then the project itself without re-resolving anything
$(STAMP): pyproject.toml requirements.lock
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $(STAMP)

run: $(STAMP)
	$(BIN)/wirehouse run seeds --warehouse warehouse

test: $(STAMP)
	$(BIN)/python -m pytest

catalog: $(STAMP)
	$(BIN)/wirehouse catalog --warehouse warehouse

lock:
	rm -rf .lock-venv && $(PYTHON) -m venv .lock-venv
	.lock-venv/bin/python -m pip install --quiet -e ".[test]"
	{ echo "# Exact versions \`make\` installs (python 3.11). Regenerate on purpose with \`make lock\`, then run the tests."; \
	  .lock-venv/bin/python -m pip freeze --exclude-editable | grep -v '^-e'; } > requirements.lock
	rm -rf .lock-venv

clean-warehouse:
	rm -rf warehouse/lake warehouse/news.duckdb warehouse/reports warehouse/.lock
