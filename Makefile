# Two commands on a fresh machine:  make demo   |   make test
# Each creates .venv and installs what it needs (Python packages; for the tests also the
# Debian packages of the browser and PostgreSQL tests, when run as root or with sudo).
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test setup system-deps check lint clean bench

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip setuptools wheel
	$(BIN)/pip install --quiet -e '.[test]'
	touch $(STAMP)

setup: $(STAMP)

demo: setup
	$(BIN)/yuqing check-config config
	$(BIN)/yuqing demo

system-deps:
	bash scripts/install-system-deps.sh

test: setup system-deps
	$(BIN)/lint-imports    # the layer contracts (pyproject.toml); tests/test_architecture.py runs them too
	$(BIN)/python -m pytest -ra

check: setup
	$(BIN)/yuqing check-config config
	$(BIN)/yuqing rules test tests/routing/*.yaml

bench: setup
	$(BIN)/python benchmarks/bench_analysis.py --help

clean:
	rm -rf $(VENV) var *.egg-info .pytest_cache
