# Two commands for a fresh clone: `make demo` and `make test`.
# Each creates the virtual environment and installs what it needs.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo-output

.PHONY: demo test bench clean

$(BIN)/docgen: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	touch $@

demo: $(BIN)/docgen
	$(BIN)/docgen demo -o $(DEMO_DIR)

test: $(BIN)/docgen
	$(BIN)/ruff check docgen tests
	$(BIN)/mypy
	$(BIN)/python -m pytest

bench: $(BIN)/docgen
	$(BIN)/python bench/bench_batch.py

clean:
	rm -rf $(VENV) $(DEMO_DIR)
