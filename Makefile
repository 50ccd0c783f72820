# servicecore developer commands. `make test` and `make demo` bootstrap .venv themselves
# on a fresh clone with only Python 3.11+ and make.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.servicecore-installed
PIP_FLAGS ?= --disable-pip-version-check --quiet

.PHONY: test lint typecheck pytest demo bench clean

$(STAMP): pyproject.toml examples/servicecore-audit-log/pyproject.toml Makefile
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install $(PIP_FLAGS) --upgrade pip
	$(BIN)/python -m pip install $(PIP_FLAGS) -e '.[dev]' -e examples/servicecore-audit-log
	touch $(STAMP)

test: lint typecheck pytest

lint: $(STAMP)
	$(BIN)/ruff check src tests benchmarks examples
	$(BIN)/ruff format --check src tests benchmarks examples

typecheck: $(STAMP)
	$(BIN)/mypy --strict src tests

pytest: $(STAMP)
	$(BIN)/python -m pytest -n auto --cov --cov-branch --cov-report=term --cov-fail-under=99 $(PYTEST_ARGS)

demo: $(STAMP)
	$(BIN)/servicecore demo

$(VENV)/.servicecore-bench: $(STAMP)
	$(BIN)/python -m pip install $(PIP_FLAGS) -e '.[bench]'
	touch $@

bench: $(VENV)/.servicecore-bench
	$(BIN)/python -m benchmarks

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache .hypothesis .coverage
