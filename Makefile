# The two commands of the README: `make run` and `make test`.
PYTHON ?= python3.11
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

# The test suite runs on PostgreSQL (the local server unless told otherwise).
TEST_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/clickcollect
TEST_ENV := DATABASE_URL=$(TEST_DATABASE_URL) SECRET_KEY=test-only-not-a-secret \
	ALLOWED_HOSTS=localhost,127.0.0.1,testserver
# `make test CLOCK=2028-01-01T10:30:00+01:00` runs the suite as if the wall clock read that
# moment (tests/clock.py); `TEST_ARGS` adds pytest arguments, e.g. --ignore=tests/e2e.
CLOCK ?=
TEST_ARGS ?=

.PHONY: run test install lint check-deploy messages chromium clean screenshots

$(STAMP): pyproject.toml
	test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	touch $(STAMP)

install: $(STAMP)

messages: $(STAMP)
	$(BIN)/python manage.py compilemessages --ignore=.venv -v0

run: $(STAMP) messages
	$(BIN)/python manage.py migrate --no-input -v0
	$(BIN)/python manage.py seed_demo --if-empty
	$(BIN)/python manage.py runserver 127.0.0.1:8000

# Debian's packages the tests run: Chromium for the browser tests, nginx for the proxy's.
chromium:
	@command -v chromium >/dev/null && command -v nginx >/dev/null || { apt-get update -qq && \
		DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium nginx-light >/dev/null; }
	@test -d node_modules/axe-core || npm install --silent --no-audit --no-fund

test: $(STAMP) messages chromium
	$(TEST_ENV) $(BIN)/pytest -n 2 --create-db $(if $(CLOCK),--clock $(CLOCK)) $(TEST_ARGS)

# Refresh the README's pictures (docs/screenshots/) from the browser tests.
screenshots: $(STAMP) messages chromium
	SCREENSHOTS_DIR=docs/screenshots $(TEST_ENV) $(BIN)/pytest tests/e2e -k "journey or screenshots or staff or campaign" -q

lint: $(STAMP)
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .

# `manage.py check --deploy` with production-like variables (see README).
check-deploy: $(STAMP)
	DEBUG=false DATABASE_URL=$(TEST_DATABASE_URL) CELERY_BROKER_URL=redis://127.0.0.1:6379/0 \
	EMAIL_URL=smtp+tls://drive:secret@smtp.example.org:587 \
	SECRET_KEY=$$($(BIN)/python -c 'import secrets; print(secrets.token_urlsafe(50))') \
	ALLOWED_HOSTS=bibliotheques.example.org \
	$(BIN)/python manage.py check --deploy --fail-level WARNING

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 db.sqlite3-*
