# Linli: `make run` serves the demo district, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
# Links and QR codes point here; set it to the machine's LAN address to serve a phone.
PUBLIC_BASE_URL ?= http://$(HOST):$(PORT)
PYTEST_ARGS ?=
# `make bench SCALE=district`; BENCH_ARGS='--only me,volunteerMatches --keep' for a part.
SCALE ?= small
BENCH_ARGS ?=

.PHONY: run dev test install migrate seed static schema lint worker beat bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Linli needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the dependency list changes. Playwright drives Debian's chromium, never a
# browser of its own.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1 $(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

# The cache table holds what web, worker and beat share without Redis (WeChat nonces,
# token lock, rate-limit counters).
migrate: install
	$(BIN)/python manage.py migrate --noinput
	$(BIN)/python manage.py createcachetable

seed: migrate
	$(BIN)/python manage.py seed_demo

static: install
	$(BIN)/python manage.py collectstatic --noinput -v 0

# Every process, and the seed, see the same public address and (under `make run`) the same
# broker: kombu's filesystem transport in var/broker/, which needs no server.
run dev seed: export PUBLIC_BASE_URL := $(PUBLIC_BASE_URL)
run: export CELERY_BROKER_URL := $(or $(CELERY_BROKER_URL),filesystem://)
run: export HOST := $(HOST)

# gunicorn (threads) with WhiteNoise, a Celery worker and beat, under honcho (Procfile),
# and the bundled fake WeChat on a free port unless LINLI_WECHAT_API_ORIGIN is set
# (scripts/run_procfile.py): Ctrl-C or SIGTERM stops them all.
run: seed static
	@echo ""
	@echo "  邻里 Linli is starting at $(PUBLIC_BASE_URL)/"
	@echo "    GraphiQL  $(PUBLIC_BASE_URL)/graphql/"
	@echo "    Admin     $(PUBLIC_BASE_URL)/admin/"
	@echo "    Health    $(PUBLIC_BASE_URL)/healthz"
	@echo "    WeChat    $(PUBLIC_BASE_URL)/dev/wechat/  (微信模拟器, on the bundled fake WeChat)"
	@echo "  Demo logins (password: linli-demo):"
	@echo "    admin (区管理员) · coordinator (八大关街道协调员) · staff (金口路社区工作人员)"
	@echo "    instructor (讲师) · volunteer (志愿者 夏阿姨) · resident (居民 林奶奶)"
	@echo "  Ctrl-C stops the web server, the worker, beat and the fake WeChat."
	@echo ""
	PATH="$(CURDIR)/$(BIN):$$PATH" exec $(BIN)/python scripts/run_procfile.py --procfile Procfile start --port $(PORT)

# For developers: runserver with autoreload, tasks run in-process (no worker, no beat).
dev: seed static
	$(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

schema: install
	$(BIN)/python manage.py graphql_schema --out frontend_api/schema.graphql

# Exactly what CI runs (.ci/run calls `make lint`): style and the import-at-top and complexity
# rules, the architecture contracts (.importlinter), types, and no model change without its
# migration.
lint: install
	$(BIN)/ruff check .
	$(BIN)/lint-imports
	$(BIN)/mypy backend courses volunteers frontend_api
	$(BIN)/python manage.py makemigrations --check --dry-run

# The benchmark suite (bench/suite.py): generates a district in PostgreSQL
# (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/linli_bench — dropped and
# recreated), serves it with gunicorn on loopback and prints each operation next to its
# reference. Not part of `make test`; tests/bench/ runs it at a tiny scale.
bench: install
	$(BIN)/python -m bench --scale $(SCALE) $(BENCH_ARGS)

worker: install
	$(BIN)/celery -A backend worker -l info

beat: install
	$(BIN)/celery -A backend beat -l info

clean:
	rm -rf $(VENV) db.sqlite3 test_linli.sqlite3 .pytest_cache .ruff_cache .mypy_cache .import_linter_cache staticfiles var artifacts
