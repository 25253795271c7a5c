# LeadHub: `make run` starts the app, `make test` runs every test.
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed

.PHONY: run test lint format bench check-deploy clean screenshots

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

run: $(STAMP)
	$(PY) manage.py serve

test: $(STAMP)
	$(PY) -m pytest $(PYTEST_ARGS)

# mypy checks the paths that pyproject.toml's [tool.mypy] lists.
lint: $(STAMP)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/ruff format --check .
	$(VENV)/bin/mypy

format: $(STAMP)
	$(VENV)/bin/ruff check --fix .
	$(VENV)/bin/ruff format .

# Needs PostgreSQL (and Redis) reachable; see docs/benchmarks.md. BENCH=name runs one.
bench: $(STAMP)
	$(PY) bench/run.py $(BENCH)

check-deploy: $(STAMP)
	LEADHUB_ENV=production SANDBOX_ENABLED=false DEBUG=false \
	SECRET_KEY="$$($(PY) -c 'import secrets; print(secrets.token_urlsafe(64))')" \
	ALLOWED_HOSTS=leadhub.example.com \
	FIELD_ENCRYPTION_KEYS="$$($(PY) -c 'from cryptography.fernet import Fernet; print(Fernet.generate_key().decode())')" \
	$(PY) manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .mypy_cache

# docs/screenshots/*.png at 1366 px from the demo, in a throwaway database (needs Chromium).
screenshots: $(STAMP)
	$(PY) tools/screenshots.py
