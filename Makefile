# Developer tasks. `make demo` and `make test` do all the set-up a fresh machine needs:
# a virtualenv with assess installed, and a Docker engine (started if none answers).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
DEMO_OUT ?= demo-out

.PHONY: setup engine images demo validate test test-fast lint clean

$(BIN)/assess: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

setup: $(BIN)/assess

engine:
	@docker info >/dev/null 2>&1 || bash scripts/ensure-docker.sh

images: setup engine
	$(BIN)/assess prepare

# Grades the reference and the starter of every bundled challenge; reports land in demo-out/.
demo: images
	@set -e; for dir in challenges/*/; do \
	    id=$$(basename $$dir); \
	    for solution in reference starter; do \
	        echo "== $$id / $$solution"; \
	        $(BIN)/assess run $$id $$dir$$solution --out $(DEMO_OUT)/$$id/$$solution; \
	    done; \
	done

# Proves every bundled challenge (the test suite does this too, as one test per challenge).
validate: images
	$(BIN)/assess validate

test: images
	$(BIN)/python -m pytest

# Pure logic only: no Docker engine needed.
test-fast: setup
	$(BIN)/python -m pytest -m "not docker"

lint: setup
	$(BIN)/python -m mypy
	$(BIN)/python -m ruff check runner tests

clean:
	rm -rf $(DEMO_OUT) .pytest_cache .mypy_cache
