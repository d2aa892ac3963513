# The README's words. `make run` sets up and starts the bot; `make test` sets up and runs the tests.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed-$(shell cksum pyproject.toml | cut -d' ' -f1)

.PHONY: install run index test lint bench fit clean

install: $(STAMP)

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	# torch first, pinned: its CPU wheel; an unpinned torch would pull a multi-GB CUDA build.
	$(BIN)/python -m pip install --quiet torch==2.13.0
	$(BIN)/python -m pip install --quiet -e '.[dev,shared]'
	rm -f $(VENV)/.installed-*
	touch $@

# The ONNX export of the encoder that serving uses (made once, offline; a no-op when current).
index: install
	# Byte-code of the project's own modules (only what changed): Python reads it even where
	# PYTHONDONTWRITEBYTECODE stops it writing any, else every start compiles them (0.2 s).
	$(BIN)/python -m compileall -q bot index corpus
	$(BIN)/newsbot model export
	$(BIN)/newsbot index build --if-stale

# Telegram when TELEGRAM_BOT_TOKEN is set (environment or .env), else a terminal chat.
run: index
	$(BIN)/newsbot run

test: install
	$(BIN)/python -m pytest

lint: install
	$(BIN)/ruff check bot index corpus tests bench
	$(BIN)/ruff format --check bot index corpus tests bench

bench: index
	$(BIN)/python -m pip install --quiet -e '.[dev,bench]'  # matplotlib, for the scaling plot
	$(BIN)/python bench/run_all.py

# Refit the ranker and the answerability model on every labelled set (index/data/*.json).
fit: install
	$(BIN)/python bench/fit.py

clean:
	rm -rf var/index var/index.builds .pytest_cache
