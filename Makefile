# plnet — `make run` serves the site, `make test` runs every test. Both set themselves up.
PYTHON ?= python3.11
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: run test test-postgres worker lint format check bench interop browser-deps clean

$(STAMP): pyproject.toml
	@command -v $(PYTHON) >/dev/null || { echo "plnet needs $(PYTHON) (Debian: apt-get install python3.11 python3.11-venv)"; exit 1; }
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[test]'
	@touch $(STAMP)

run: $(STAMP)
	$(BIN)/plnet setup
	$(BIN)/plnet run --host $(HOST) --port $(PORT)

worker: $(STAMP)
	$(BIN)/plnet worker

# Debian's chromium drives the browser tests; install it when missing (root on Debian, as CI is).
browser-deps:
	@command -v chromium >/dev/null || { \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    echo "installing Debian's chromium for the browser tests"; \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium is missing: browser tests will be skipped (apt-get install chromium)"; fi; }

test: $(STAMP) browser-deps
	$(BIN)/ruff check plnet tests bench
	$(BIN)/ruff format --check plnet tests bench
	$(BIN)/lint-imports
	$(BIN)/python -m plnet.cli makemigrations --check --dry-run
	$(BIN)/pytest

# The suite again on a throw-away PostgreSQL server (PLNET_DATABASE_URL=postgres://…).
test-postgres: $(STAMP)
	$(BIN)/pip install --quiet 'psycopg[binary]>=3.2,<4'
	VENV=$(VENV) bash scripts/test-postgres.sh

lint: $(STAMP)
	$(BIN)/ruff check plnet tests bench
	$(BIN)/lint-imports

format: $(STAMP)
	$(BIN)/ruff check --fix plnet tests bench
	$(BIN)/ruff format plnet tests bench

bench: $(STAMP)
	@for b in bench/bench_*.py; do echo "== $$b"; $(BIN)/python $$b || exit 1; done

interop: $(STAMP)
	bash bench/interop.sh

clean:
	rm -rf $(VENV) .pytest_cache
