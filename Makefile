# Two commands a newcomer needs: `make run` and `make test`. Both create .venv on first use.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint typecheck eval validate bench clean

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)  ## Telegram bot with TELEGRAM_BOT_TOKEN set, else the console chat
	$(PY) run_bot.py

test: $(STAMP)  ## the whole test suite plus lint and type checks
	$(PY) -m ruff check bot benchmarks tests run_bot.py
	$(PY) -m ruff format --check bot benchmarks tests run_bot.py
	$(PY) -m mypy
	$(PY) -m pytest -q

lint: $(STAMP)
	$(PY) -m ruff check bot benchmarks tests run_bot.py
	$(PY) -m ruff format --check bot benchmarks tests run_bot.py

typecheck: $(STAMP)
	$(PY) -m mypy

eval: $(STAMP)
	$(PY) -m bot eval

validate: $(STAMP)
	$(PY) -m bot validate

bench: $(STAMP)  ## full benchmarks (benchmarks/, from a checkout): writes docs/benchmarks.md and docs/benchmarks.png
	$(PY) -m benchmarks --out docs

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
