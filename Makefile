# Diplomat: every set-up step lives here, so a fresh clone needs only `make demo` or `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed

.PHONY: demo test lint typecheck unit bench conformance fuzz browser-deps npm-tools translations clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

# Headless Chromium and its driver for the page tests, pdftotext and pdftoppm for the PDF tests,
# DejaVu Sans and WenQuanYi Micro Hei (Chinese, Japanese, Korean) for the verification record and the
# diploma PDF (Debian packages); and the npm tools.
browser-deps: npm-tools
	@if ! command -v chromium >/dev/null || ! command -v chromedriver >/dev/null \
	    || ! command -v pdftotext >/dev/null || ! test -f /usr/share/fonts/truetype/dejavu/DejaVuSans.ttf \
	    || ! test -f /usr/share/fonts/truetype/wqy/wqy-microhei.ttc; then \
	  echo "installing chromium, chromium-driver, poppler-utils, fonts-dejavu-core and fonts-wqy-microhei (Debian)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
	    chromium chromium-driver poppler-utils fonts-dejavu-core fonts-wqy-microhei >/dev/null; \
	fi

# axe-core for the accessibility test, the wallet interop clients and make bench's vc.js yardstick
# (npm: @digitalbazaar/vc and suites, jsonld-signatures, @openid4vc/openid4vci), installed again
# whenever package-lock.json is newer than the stamp npm ci leaves.
npm-tools:
	@if ! test -f node_modules/axe-core/axe.min.js || ! test node_modules/.diplomat-npm -nt package-lock.json; then \
	  echo "installing the npm test tools (package-lock.json)"; \
	  npm ci --no-audit --no-fund --silent && touch node_modules/.diplomat-npm; \
	fi

# The catalogues, the verifier's (pages, report texts) and the issuer's (public pages, messages to
# graduates; issuer/babel.cfg): re-extract the messages, merge them into every language's .po (new
# ones arrive empty: translate them, tests/verifier/test_i18n.py and tests/issuer/test_issuer_i18n.py
# fail until then), compile the .mo.
I18N := verifier/web/translations
ISSUER_I18N := issuer/translations
translations: $(STAMP)
	$(BIN)/pybabel extract -F babel.cfg -k _l -k lazy_gettext -k N_ -k Message --no-location --omit-header \
	  --sort-output -o $(I18N)/messages.pot .
	$(BIN)/pybabel extract -F issuer/babel.cfg --no-location --omit-header --sort-output --width 100 \
	  -o $(ISSUER_I18N)/messages.pot .
	for dir in $(I18N) $(ISSUER_I18N); do \
	  $(BIN)/pybabel update -i $$dir/messages.pot -d $$dir --no-fuzzy-matching --ignore-obsolete \
	    --width 100 && $(BIN)/pybabel compile -d $$dir || exit 1; \
	done

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check vc issuer verifier diplomat diplomat_ops conformance
	$(BIN)/lint-imports

typecheck: $(STAMP)
	$(BIN)/mypy

unit: $(STAMP) browser-deps
	$(BIN)/pytest

test: lint typecheck unit

demo: $(STAMP)
	$(BIN)/diplomat demo

# wrk (Debian) is the load generator of the HTTP figures (bench/loadgen.py falls back to threads).
# BENCH_ARGS=--quick for a run of under a minute.
bench: $(STAMP) npm-tools
	@command -v wrk >/dev/null || { echo "installing wrk (Debian)"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq wrk >/dev/null \
	  || echo "wrk not installed: the HTTP load comes from threads"; }
	$(BIN)/python -m bench $(BENCH_ARGS)

# The W3C suites from ../shared/w3c-suites against our own issuers and verifier (needs node, npm).
conformance: $(STAMP)
	$(BIN)/python -m conformance

# Mutated requests to every endpoint of both services on 127.0.0.1 (FUZZ_REQUESTS, default
# 100000): prints requests and 5xx per endpoint, exits 1 on any 500. Not part of `make test`.
FUZZ_REQUESTS ?= 100000
fuzz: $(STAMP)
	$(BIN)/python -m bench.fuzz --requests $(FUZZ_REQUESTS)

clean:
	rm -rf $(VENV) .mypy_cache .pytest_cache .ruff_cache
