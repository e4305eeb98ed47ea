# zhengwu — two commands on a fresh machine: `make demo` and `make test`.
PYTHON ?= python3
VENV   ?= .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
DEMO_ENV := ZHENGWU_MODE=demo

.PHONY: demo test install lint test-sqlite test-postgres e2e bench messages clean-demo

$(STAMP): pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	touch $(STAMP)

install: $(STAMP)

## Run the platform with the Baqiao demo data on SQLite (http://127.0.0.1:8000/).
demo: $(STAMP)
	$(DEMO_ENV) $(BIN)/zhengwu migrate --noinput
	$(DEMO_ENV) $(BIN)/zhengwu demo
	$(DEMO_ENV) $(BIN)/zhengwu serve --with-worker

## Lint, then the test suite on SQLite and (when a server answers) on PostgreSQL.
test: $(STAMP)
	$(BIN)/python scripts/run_tests.py

lint: $(STAMP)
	$(BIN)/ruff check src tests bench scripts
	$(BIN)/ruff format --check src tests bench scripts
	$(BIN)/lint-imports
	$(BIN)/mypy src/zhengwu/kernel src/zhengwu/*/services.py src/zhengwu/cases/access.py src/zhengwu/licences/access.py src/zhengwu/licences/exemptions.py

test-sqlite: $(STAMP)
	$(BIN)/python scripts/run_tests.py --only sqlite

test-postgres: $(STAMP)
	$(BIN)/python scripts/run_tests.py --only postgres

e2e: $(STAMP)
	$(BIN)/pytest -m e2e tests/e2e

bench: $(STAMP)
	$(BIN)/python bench/kernel.py
	$(BIN)/python bench/http_baseline.py
	$(BIN)/python bench/catalog_http.py
	$(BIN)/python bench/search_quality.py
	$(BIN)/python bench/search_latency.py
	$(BIN)/python bench/hotline_routing.py
	$(BIN)/python bench/ratings_intake.py

## Refresh the translation catalogues (needs gettext) and compile them (pure Python).
messages: $(STAMP)
	cd src/zhengwu && ../../$(BIN)/django-admin makemessages -l zh_Hans -l en --no-location
	$(BIN)/python -m zhengwu.web.i18n_compile

clean-demo:
	rm -rf var
