# Two commands set everything up on a fresh machine: `make serve` and `make test`.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: serve test lint ingest install bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

# Ingest is incremental: when nothing changed it publishes nothing and returns at once.
# Exit 1 (some files rejected, the rest published) still lets the server start.
ingest: $(STAMP)
	$(BIN)/csguide ingest || [ $$? -eq 1 ]

serve: ingest
	$(BIN)/csguide serve --host 127.0.0.1 --port 8000

lint: $(STAMP)
	$(BIN)/ruff check api pipeline tests bench
	$(BIN)/ruff format --check api pipeline tests bench

test: lint
	$(BIN)/pytest -q

# Benchmarks are measured, not asserted: not part of `make test`.
bench: $(STAMP)
	$(BIN)/python -m bench.translation --eos-bias 2
	$(BIN)/python -m bench.translation --eos-bias 1

clean:
	rm -rf $(VENV) var .pytest_cache .ruff_cache
