# The two set-up commands are `make run` and `make test`; both work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST_PORT ?= 127.0.0.1:8000

.PHONY: run serve test lint bench emulator clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# One stamp per dependency set, redone when pyproject.toml or constraints.txt change.
$(VENV)/.installed-app: $(BIN)/python pyproject.toml constraints.txt
	$(BIN)/pip install --quiet -c constraints.txt -e .
	touch $@

$(VENV)/.installed-test: $(VENV)/.installed-app
	$(BIN)/pip install --quiet -c constraints.txt -e ".[test]"
	touch $@

run: $(VENV)/.installed-app
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py runserver $(HOST_PORT)

# Production: gunicorn + whitenoise; the environment must hold the production settings
# (DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, CCCADMIN_AUTH_MODE, ... see the README).
serve: $(VENV)/.installed-app
	DJANGO_DEBUG=false $(BIN)/python manage.py check --deploy --fail-level WARNING
	DJANGO_DEBUG=false $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	DJANGO_DEBUG=false $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=false $(BIN)/gunicorn --config gunicorn.conf.py cccadmin.wsgi

test: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks.client_vs_sdk

emulator: $(VENV)/.installed-app
	DJANGO_DEBUG=true $(BIN)/python manage.py ccc_emulator --port 8765

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
