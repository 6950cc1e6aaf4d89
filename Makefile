# The two set-up commands are `make run` and `make test`; both work on a fresh clone.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST_PORT ?= 127.0.0.1:8000
# axe-core, from npm (package.json, package-lock.json): the browser tests inject it into pages
# to check accessibility; the app never serves it.
AXE := node_modules/axe-core/axe.min.js

.PHONY: run serve worker test lint bench soak emulator screenshots screenshots-all messages clean

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

# npm ci keeps the package's own (old) file dates: touch the file so it is newer than the lock.
$(AXE): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then \
	  npm ci --no-audit --no-fund && touch $@; \
	else \
	  echo "npm is missing: the browser tests' accessibility checks (axe-core) will be skipped" \
	    "(under CI=true they fail). Install it: apt-get install npm"; \
	fi

# The interface's translations: each catalogue is compiled from its .po whenever the .po is
# newer (msgfmt, from Debian's gettext); the compiled .mo files are not committed.
PO := $(wildcard locale/*/LC_MESSAGES/django.po)
MO := $(PO:.po=.mo)

locale/%/LC_MESSAGES/django.mo: locale/%/LC_MESSAGES/django.po
	@command -v msgfmt >/dev/null 2>&1 || { \
	  echo "msgfmt is missing: it compiles the translations. Install it: apt-get install gettext"; \
	  exit 1; }
	msgfmt --check --output-file=$@ $<

# Brings the catalogues in line with the strings of the code and templates, keeping what is
# translated; then translate what is new or fuzzy (terms: locale/GLOSSARY.md).
messages: $(VENV)/.installed-app
	DJANGO_DEBUG=true $(BIN)/python manage.py makemessages -l zh_Hans --no-wrap \
	  --add-location file --ignore 'node_modules/*' --ignore 'staticfiles/*' --ignore 'tests/*' \
	  --ignore 'benchmarks/*' --ignore 'docs/*' --ignore '*.egg-info/*' --ignore 'locale/*'

# The development server, with one job worker beside it (stopped with it).
run: $(VENV)/.installed-app $(MO)
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py housekeeping
	DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py db_worker --queue-name '*' & \
	  worker=$$!; trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
	  DJANGO_DEBUG=$${DJANGO_DEBUG:-true} $(BIN)/python manage.py runserver $(HOST_PORT)

# A production job worker (any number, on any host sharing the database): the environment
# holds the production settings, as for `make serve`. SIGTERM lets the running job finish.
worker: $(VENV)/.installed-app
	DJANGO_DEBUG=false $(BIN)/python manage.py housekeeping
	DJANGO_DEBUG=false $(BIN)/python manage.py db_worker --queue-name '*' --no-reload

# Production: gunicorn + whitenoise; the environment must hold the production settings
# (DJANGO_SECRET_KEY, DJANGO_ALLOWED_HOSTS, CCCADMIN_AUTH_MODE, ... see docs/configuration.md).
serve: $(VENV)/.installed-app $(MO)
	DJANGO_DEBUG=false $(BIN)/python manage.py check --deploy --fail-level WARNING
	DJANGO_DEBUG=false $(BIN)/python manage.py collectstatic --noinput --verbosity 0
	DJANGO_DEBUG=false $(BIN)/python manage.py migrate --noinput
	DJANGO_DEBUG=false $(BIN)/gunicorn --config gunicorn.conf.py cccadmin.wsgi

# The tests marked `database` run twice: on SQLite with the rest, then on a throwaway PostgreSQL
# cluster (production's database) that tests/with_postgres.py starts and removes; that pass is
# skipped without Debian's postgresql, and required under CI=true.
test: $(VENV)/.installed-test $(AXE) $(MO)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/lint-imports
	$(BIN)/python -m pytest
	$(BIN)/python -m tests.with_postgres $(BIN)/python -m pytest -m database -p no:cacheprovider -q

lint: $(VENV)/.installed-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# Figures and ratios measured in one run: our client against the official SDK, then the
# dashboard end to end (round trips, swap cost, throughput under CCC latency, a 10,000-row export).
bench: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks.client_vs_sdk
	$(BIN)/python -m benchmarks.dashboard

# About a minute of 32 clients against the production server while CCC fails 5 % of its calls:
# every response must be a 200 or a mapped 502/503/504, and none past the request budget.
soak: $(VENV)/.installed-test
	$(BIN)/python -m benchmarks.soak

# The README's pictures: docs/<page state>.png for the states marked `screenshot` in
# tests/page_states.py, taken by the browser walk (and docs/<page state>.zh-hans.png by its
# walk in Chinese). Run it when pages change (CI does not);
# CI=true makes a missing Chromium or axe-core fail rather than skip, so nothing is left stale.
screenshots: $(VENV)/.installed-test $(AXE) $(MO)
	CI=true CCCADMIN_SCREENSHOTS=docs $(BIN)/python -m pytest -q -p no:cacheprovider \
	  tests/browser/test_page_states.py

# Every page state at 1280 and 390 px in both languages, to look at (not kept in git).
screenshots-all: $(VENV)/.installed-test $(AXE) $(MO)
	CI=true CCCADMIN_SCREENSHOTS_ALL=screenshots $(BIN)/python -m pytest -q -p no:cacheprovider \
	  tests/browser/test_page_states.py

emulator: $(VENV)/.installed-app
	DJANGO_DEBUG=true $(BIN)/python manage.py ccc_emulator --port 8765

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache $(MO)
