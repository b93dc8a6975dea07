# Two commands set everything up on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
DEV_STAMP := $(VENV)/.installed-dev
CHROMIUM := /usr/bin/chromium

.PHONY: serve test lint ingest install browser postgres bench clean

# What `make serve` needs, and nothing more (no test tools): keeps the install light.
$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e .
	touch $(STAMP)

$(DEV_STAMP): $(STAMP) pyproject.toml
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(DEV_STAMP)

install: $(STAMP)

# Ingest is incremental: when nothing changed it publishes nothing and returns at once.
# Exit 1 (some files rejected, the rest published) still lets the server start.
ingest: $(STAMP)
	$(BIN)/csguide ingest || [ $$? -eq 1 ]

serve: ingest
	$(BIN)/csguide serve --host 127.0.0.1 --port 8000 --workers auto

# The widget's browser test drives Debian's Chromium (never a browser download).
browser:
	@if [ ! -x $(CHROMIUM) ]; then \
	  echo "Installing Debian's chromium for the browser test"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-wqy-zenhei; \
	fi

# The analytics store's tests start a throwaway cluster from Debian's PostgreSQL server.
postgres:
	@if ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then \
	  echo "Installing Debian's postgresql for the analytics store tests"; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && \
	  DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq postgresql; \
	fi

lint: $(DEV_STAMP)
	$(BIN)/ruff check api pipeline tests bench
	$(BIN)/ruff format --check api pipeline tests bench
	$(BIN)/mypy

test: lint browser postgres
	$(BIN)/pytest -q

# Benchmarks are measured, not asserted: not part of `make test`. wrk (Debian) drives the load.
bench: $(DEV_STAMP)
	@command -v wrk >/dev/null || { \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk; }
	$(BIN)/python -m bench.run
	$(BIN)/python -m bench.stages
	$(BIN)/python -m bench.typo_candidates
	$(BIN)/python -m bench.formats
	$(BIN)/python -m bench.rate_limit
	$(BIN)/python -m bench.switch
	$(BIN)/python -m bench.analytics
	$(BIN)/python -m bench.profile
	$(BIN)/python -m bench.translation --eos-bias 2
	$(BIN)/python -m bench.translation --eos-bias 1

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache test-artifacts
