# The recipes the README names. `make demo` and `make test` are the two commands.
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PY := $(BIN)/python
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: demo install migrate seed run test test-fast lint messages benchmark worker beat check-deploy production-check backup restore clean

$(BIN)/activate: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $(BIN)/activate

install: $(BIN)/activate

## One command: install, migrate, load the demo data, print the logins and serve.
demo: install
	$(PY) manage.py migrate --noinput
	$(PY) manage.py compilemessages --ignore=.venv >/dev/null 2>&1 || true
	SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}" $(PY) manage.py seed_demo
	$(PY) manage.py runserver $(HOST):$(PORT)

migrate: install
	$(PY) manage.py migrate --noinput

seed: install
	SITE_URL="$${SITE_URL:-http://$(HOST):$(PORT)}" $(PY) manage.py seed_demo

run: install
	$(PY) manage.py runserver $(HOST):$(PORT)

## One command: the whole test suite (PostgreSQL and Redis when DATABASE_URL / REDIS_URL are set).
test: install
	$(PY) manage.py makemigrations --check --dry-run --settings=migration_portal.settings.test >/dev/null
	$(BIN)/pytest $(PYTEST_ARGS)

lint: install
	$(BIN)/ruff check .

messages: install
	$(PY) manage.py makemessages -l km --ignore=.venv --ignore=staticfiles
	$(PY) manage.py compilemessages --ignore=.venv

## Benchmarks at scale on PostgreSQL (see README): prints the ORM request beside the raw SQL.
benchmark: install
	$(PY) manage.py benchmark $(BENCH_ARGS)

worker: install
	$(BIN)/celery -A migration_portal worker -l info

beat: install
	$(BIN)/celery -A migration_portal beat -l info

check-deploy: install
	DJANGO_SETTINGS_MODULE=migration_portal.settings.production SECRET_KEY=$$($(PY) -c 'import secrets;print(secrets.token_urlsafe(50))') \
	ALLOWED_HOSTS=portal.example.gov.kh DATABASE_URL=sqlite:///tmp.db REDIS_URL=redis://127.0.0.1:6379/0 SALT_KEY=s PII_HASH_KEY=h \
	$(PY) manage.py check --deploy --fail-level WARNING

## The production install proved without Docker (needs PostgreSQL and Redis; see .ci/production-check).
production-check:
	bash .ci/production-check

## Back up the database (pg_dump custom format) and MEDIA_ROOT into BACKUP_DIR, keeping BACKUP_KEEP.
## The database from DATABASE_URL or the PG* variables. See docs/operations.md.
BACKUP_DIR ?= backups
backup:
	BACKUP_DIR=$(BACKUP_DIR) MEDIA_ROOT=$${MEDIA_ROOT:-media} bash deploy/backup.sh

## Restore one: make restore DUMP=backups/portal-<stamp>.dump (stop web, worker and beat first).
restore:
	MEDIA_ROOT=$${MEDIA_ROOT:-media} bash deploy/restore.sh $(DUMP)

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles
