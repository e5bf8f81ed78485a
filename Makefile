# Two commands do all the set-up: `make demo` and `make test`. Both create .venv with the
# machine's python3 when it is missing.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
DEMO   := scenarios/b2b-annual-plan.yaml
# The checkout on sys.path through one .pth line (setuptools' compat mode) instead of its default
# import hook, which costs every process, the command's included, about 10 ms at start.
EDITABLE := --config-settings editable_mode=compat

.PHONY: demo test lint bench clean

$(VENV)/.installed: pyproject.toml Makefile
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check $(EDITABLE) -e .
	touch $@

$(VENV)/.dev: $(VENV)/.installed
	$(BIN)/python -m pip install --quiet --disable-pip-version-check $(EDITABLE) -e '.[dev]'
	touch $@

demo: $(VENV)/.installed
	$(BIN)/campaign-optimizer optimize $(DEMO)

test: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest -n 2

lint: $(VENV)/.dev
	$(BIN)/ruff check .
	$(BIN)/lint-imports

bench: $(VENV)/.dev
	for script in benchmarks/bench_*.py; do $(BIN)/python $$script || exit 1; done

clean:
	rm -rf $(VENV) build *.egg-info
