# r2p: `make run` starts the application, `make test` runs the whole suite.
# Only Python 3.11 and make are needed: the virtual environment is built from the lock file.

PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
LOCK   := requirements/dev.lock
STAMP  := $(VENV)/.installed-$(shell (sha256sum $(LOCK) 2>/dev/null || shasum -a 256 $(LOCK)) | cut -c1-16)

.PHONY: run test bench lint format install lock clean-data

install: $(STAMP)

$(STAMP): $(LOCK)
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info[:2] == (3, 11) else "r2p needs Python 3.11; set PYTHON=/path/to/python3.11")'
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check --require-hashes --no-deps -r $(LOCK)
	@rm -f $(VENV)/.installed-*
	@touch $@

# HTTPS=false because the laptop serves plain http://localhost; deployments keep it on.
run: install
	HTTPS=$${HTTPS:-false} $(BIN)/python manage.py r2p_serve

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

# Speed figures as one JSON line, against baselines measured in the same run, in a separate
# r2p_bench database (1,000,000 signals; BENCH_ARGS=--quick for a small run).
bench: install
	$(BIN)/python -m bench.run $(BENCH_ARGS)

lint: install
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Regenerate both lock files from pyproject.toml (uv is used only here, from a tools venv).
lock:
	@test -x .tools/bin/uv || ($(PYTHON) -m venv .tools && .tools/bin/pip install --quiet uv)
	.tools/bin/uv pip compile pyproject.toml --python-version 3.11 --universal --generate-hashes --quiet -o requirements/prod.lock
	.tools/bin/uv pip compile pyproject.toml --group embedded --group dev --python-version 3.11 --universal --generate-hashes --quiet -o requirements/dev.lock

# Removes the embedded databases, Redis data and generated secret key. Stop `make run` first.
clean-data:
	rm -rf .data
