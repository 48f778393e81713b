# The two commands: `make run` (a local portal with demo data) and `make test` (the suite on real services).
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
PIP := $(PY) -m pip install --quiet --disable-pip-version-check
# Where the test suite finds PostgreSQL and Redis (the machine's own; see scripts/ensure-services).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/seavl_portal
TEST_REDIS_URL ?= redis://127.0.0.1:6379/0
PYTEST_ARGS ?=

.PHONY: run test install install-dev services lint bench fuzz-api clean messages compilemessages

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip > /dev/null 2>&1 || true

$(VENV)/.installed: pyproject.toml | $(PY)
	@echo "Installing the portal into $(VENV) (log: $(VENV)/pip.log)"
	@$(PIP) -e . > $(VENV)/pip.log 2>&1 || { tail -n 30 $(VENV)/pip.log; exit 1; }
	touch $@

$(VENV)/.installed-dev: pyproject.toml $(VENV)/.installed
	@echo "Installing the test tools into $(VENV) (log: $(VENV)/pip.log)"
	@$(PIP) -e '.[dev]' > $(VENV)/pip.log 2>&1 || { tail -n 30 $(VENV)/pip.log; exit 1; }
	touch $@

install: $(VENV)/.installed

install-dev: $(VENV)/.installed-dev

# The translation catalogs (locale/*/LC_MESSAGES/django.po) compile to .mo files, which are build output
# (not in git). Unchecked drafts (`fuzzy`) are compiled in on purpose: users see the draft, not English.
LOCALES := id th vi ms fil km lo my tet ta zh_Hans
compilemessages: install
	@if bash scripts/ensure-gettext; then \
	  $(PY) manage.py compilemessages --use-fuzzy --ignore=.venv --ignore=staticfiles -v0; fi

# Refresh the catalogs from the code and templates (new strings start empty, never fuzzy-matched).
messages: install
	$(PY) manage.py makemessages $(addprefix -l ,$(LOCALES)) --add-location=file --no-obsolete \
	  --ignore=.venv --ignore=staticfiles --ignore=tests --ignore=bench

run: install compilemessages
	$(PY) manage.py migrate --noinput
	$(PY) manage.py load_demo_data
	@echo "Serving the portal on http://127.0.0.1:8000 (Ctrl-C stops it)"
	$(PY) manage.py runserver 127.0.0.1:8000

services:
	@bash scripts/ensure-services

test: install-dev services compilemessages
	@run_id=$$(date +%s%N | tail -c 10)$$$$; \
	DEBUG=1 \
	DATABASE_URL=$(TEST_DATABASE_URL) \
	TEST_DATABASE_NAME=test_seavl_$$run_id \
	REDIS_URL=$(TEST_REDIS_URL) \
	REDIS_KEY_PREFIX=seavl-test-$$run_id \
	CELERY_TASK_ALWAYS_EAGER=1 \
	ACCOUNT_EMAIL_VERIFICATION=mandatory \
	MEDIA_ROOT=$$(mktemp -d -t seavl-media-XXXXXX) \
	$(PY) -m pytest -n auto --dist loadgroup -p no:cacheprovider $(PYTEST_ARGS)
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

# The deeper API contract run: schemathesis with many examples, its coverage phase (every boundary of
# every parameter), every operation as an organizer too, and the stateful sequences. API_CONTRACT_EXAMPLES
# sets the examples per operation (200 by default).
fuzz-api:
	API_CONTRACT_DEEP=1 $(MAKE) test PYTEST_ARGS="tests/api/test_openapi_contract.py -n 2 -p no:logging $(PYTEST_ARGS)"

lint: install-dev
	$(VENV)/bin/ruff check .
	$(VENV)/bin/lint-imports --no-cache

bench: install-dev services
	@for script in bench/*.py; do echo "== $$script"; DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) $$script || exit 1; done

clean:
	rm -rf $(VENV) staticfiles .pytest_cache .ruff_cache
