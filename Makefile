# Linli: `make run` serves the demo district, `make test` runs the whole suite.
PYTHON ?= $(shell command -v python3.11 || command -v python3)
VENV   := .venv
BIN    := $(VENV)/bin
HOST   ?= 127.0.0.1
PORT   ?= 8000
PYTEST_ARGS ?=

.PHONY: run test install migrate seed schema lint worker beat bench clean

$(BIN)/python:
	@$(PYTHON) -c 'import sys; assert sys.version_info >= (3, 11), "Linli needs Python 3.11 or newer"'
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall when the dependency list changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install --quiet -e '.[dev]'
	@touch $@

install: $(VENV)/.installed

migrate: install
	$(BIN)/python manage.py migrate --noinput

seed: migrate
	$(BIN)/python manage.py seed_demo

run: seed
	@echo ""
	@echo "  邻里 Linli is starting at http://$(HOST):$(PORT)/"
	@echo "    GraphiQL  http://$(HOST):$(PORT)/graphql/"
	@echo "    Admin     http://$(HOST):$(PORT)/admin/"
	@echo "    Health    http://$(HOST):$(PORT)/healthz"
	@echo "  Demo logins (password: linli-demo):"
	@echo "    admin (区管理员) · coordinator (八大关街道协调员) · staff (金口路社区工作人员)"
	@echo "    instructor (讲师) · volunteer (志愿者 夏阿姨) · resident (居民 林奶奶)"
	@echo ""
	PUBLIC_BASE_URL=$${PUBLIC_BASE_URL:-http://$(HOST):$(PORT)} $(BIN)/python manage.py runserver $(HOST):$(PORT)

test: install
	$(BIN)/python -m pytest $(PYTEST_ARGS)

schema: install
	$(BIN)/python manage.py graphql_schema --out frontend_api/schema.graphql

lint: install
	$(BIN)/ruff check .

worker: install
	$(BIN)/celery -A backend worker -l info

beat: install
	$(BIN)/celery -A backend beat -l info

clean:
	rm -rf $(VENV) db.sqlite3 test_linli.sqlite3 .pytest_cache .ruff_cache
