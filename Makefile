# Diplomat: every set-up step lives here, so a fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench fuzz browser-deps clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Headless Chromium and its driver for the page tests (Debian packages).
browser-deps:
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null; then \
	  echo "installing chromium and chromium-driver (Debian)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver >/dev/null; \
	fi

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check vc issuer verifier diplomat

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) browser-deps
	$(BIN)/pytest

test: lint typecheck unit

demo: $(STAMP)
	$(BIN)/diplomat demo

bench: $(STAMP)
	$(BIN)/python -m bench

# Mutated requests to every endpoint of both services on 127.0.0.1 (FUZZ_REQUESTS, default
# 100000): prints requests and 5xx per endpoint, exits 1 on any 500. Not part of `make test`.
FUZZ_REQUESTS ?= 100000
fuzz: $(STAMP)
	$(BIN)/python -m bench.fuzz --requests $(FUZZ_REQUESTS)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
