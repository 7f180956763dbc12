# Two commands for a fresh clone: `make demo` and `make test` (and `make serve` for the
# ward web app). Each creates the virtual environment and installs what it needs.
# The distribution's Python 3.11+ when it can make a virtual environment (Debian builds it
# with profile-guided and link-time optimisation: docgen needs about a fifth less time on it
# than on a plain source build such as pyenv's), else the python3 on the PATH. To choose:
# make PYTHON=/path/to/python3.
SYSTEM_PYTHON := /usr/bin/python3
PYTHON ?= $(shell $(SYSTEM_PYTHON) -c 'import sys, ensurepip, venv; assert sys.version_info >= (3, 11)' \
	2>/dev/null && echo $(SYSTEM_PYTHON) || echo python3)
VENV := .venv
BIN := $(VENV)/bin
DEMO_DIR ?= demo-output
CHROMIUM ?= /usr/bin/chromium

.PHONY: demo test bench serve screenshots chromium clean

$(BIN)/docgen: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[test]'
	@# Compiled bytecode, as pip writes it unless PYTHONDONTWRITEBYTECODE is set (as in many
	@# containers): without it every docgen command compiles WeasyPrint's modules again.
	$(BIN)/python -m compileall -q -j 0 $(VENV)/lib docgen >/dev/null
	touch $@

demo: $(BIN)/docgen
	$(BIN)/docgen demo -o $(DEMO_DIR)

serve: $(BIN)/docgen
	@if $(BIN)/docgen users list $(if $(SITE),--site $(SITE)) 2>&1 | grep -q '^no users'; then \
		echo "No one can sign in yet. Create the first account:"; \
		echo "    $(BIN)/docgen users add YOURNAME --role admin"; \
	fi
	$(BIN)/docgen serve $(if $(SITE),--site $(SITE))

# The browser tests drive Debian's Chromium; install it where we may (root with apt-get).
chromium:
	@if [ ! -x "$(CHROMIUM)" ] && [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
		echo "installing chromium for the browser tests"; \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1 || \
		{ apt-get update -q >/dev/null 2>&1 && \
		  DEBIAN_FRONTEND=noninteractive apt-get install -y -q chromium >/dev/null 2>&1; } || true; \
	fi
	@[ -x "$(CHROMIUM)" ] || echo "*** NO CHROMIUM at $(CHROMIUM): the browser tests will be SKIPPED (apt-get install chromium) ***"

test: $(BIN)/docgen chromium
	$(BIN)/ruff check docgen tests
	$(BIN)/mypy
	DOCGEN_CHROMIUM=$(CHROMIUM) $(BIN)/python -m pytest

bench: $(BIN)/docgen
	$(BIN)/python bench/bench_batch.py
	$(BIN)/python bench/bench_web.py
	$(BIN)/python bench/bench_cache.py

screenshots: $(BIN)/docgen chromium
	$(BIN)/python docs/screenshots.py

clean:
	rm -rf $(VENV) $(DEMO_DIR)
