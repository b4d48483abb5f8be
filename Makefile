# provmap: the commands people use. `make run` for the demo, `make test` for the whole suite.

PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
PG_URL ?= postgres://postgres@127.0.0.1:5432/provmap
DEMO_PASSWORD ?= provmap-demo-2026
# apt needs root; use sudo when we are not root already.
SUDO := $(shell [ "$$(id -u)" = 0 ] || echo sudo)
# Treat pytest's "no tests collected" (exit 5) as success, any other failure as failure.
PYTEST = $(BIN)/pytest

.PHONY: pdf-libs run test test-fast test-sqlite test-postgres screenshots lint fmt bench chromium install install-test lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip

# Every installation installs the exact versions in the lock files (each package and what it
# needs), then provmap itself; `pip check` fails if pyproject.toml asks for something the lock
# does not hold (run `make lock` after changing the pins). Stamp files: installed again only
# when the pins or the locks change.
LOCK_RUN := requirements/run.lock
LOCK_TEST := requirements/test.lock

$(VENV)/.installed-run: pyproject.toml $(LOCK_RUN) | $(BIN)/python
	$(BIN)/pip install --quiet -r $(LOCK_RUN)
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pip check
	touch $@

$(VENV)/.installed-test: pyproject.toml $(LOCK_TEST) | $(BIN)/python
	$(BIN)/pip install --quiet -r $(LOCK_TEST)
	$(BIN)/pip install --quiet --no-deps -e .
	$(BIN)/pip check
	touch $@ $(VENV)/.installed-run

## lock: write requirements/*.lock from the pins in pyproject.toml, in a fresh environment
lock:
	rm -rf .lock-venv build
	$(PYTHON) -m venv .lock-venv
	.lock-venv/bin/pip install --quiet --upgrade pip
	.lock-venv/bin/pip install --quiet .
	mkdir -p requirements
	{ echo "# Written by make lock from pyproject.toml: what make run installs."; \
		.lock-venv/bin/pip freeze --exclude provmap; } > $(LOCK_RUN)
	.lock-venv/bin/pip install --quiet ".[test]"
	{ echo "# Written by make lock from pyproject.toml: what make test installs."; \
		.lock-venv/bin/pip freeze --exclude provmap; } > $(LOCK_TEST)
	rm -rf .lock-venv build

install: $(VENV)/.installed-run
install-test: $(VENV)/.installed-test

## run: install, set up SQLite, load the demo school (once) and serve it on 127.0.0.1:8000,
## with the task queue's worker that checks and imports uploaded files (manage.py run_jobs) beside it
run: export DEBUG = 1
run: export PROVMAP_DEMO = 1
run: install pdf-libs
	$(BIN)/python manage.py migrate --no-input
	$(BIN)/python manage.py createcachetable
	$(BIN)/python manage.py seed_demo --if-empty --password "$(DEMO_PASSWORD)"
	@echo ""
	@echo "  provmap is running at http://127.0.0.1:8000"
	@echo ""
	@echo "  Demo logins (password for all: $(DEMO_PASSWORD))"
	@echo "    senco     SENCO: the whole map, all edits"
	@echo "    admin     SEND administrator"
	@echo "    teacher   a teacher: the runs they lead or deliver"
	@echo "    ta        a teaching assistant: the runs they deliver"
	@echo "    hoy       head of Year 9"
	@echo "    leader    senior leader: reads everything"
	@echo "    governor  governor: figures only, no pupils"
	@echo "    parent    a parent: their own child's provision"
	@echo "    trust     trust leader: figures across the trust"
	@echo "  Demo accounts skip two-factor sign-in here; real staff accounts never do."
	@echo "  Files uploaded on the Imports page are worked on by manage.py run_jobs, started here too."
	@echo ""
	$(BIN)/python manage.py run_jobs & worker=$$!; \
		trap 'kill $$worker 2>/dev/null' EXIT INT TERM; \
		$(BIN)/python manage.py runserver 127.0.0.1:8000

## pdf-libs: what WeasyPrint needs from the system to lay out PDFs (Pango, HarfBuzz, a font)
PDF_PACKAGES := libpango-1.0-0 libpangoft2-1.0-0 libharfbuzz-subset0 fonts-dejavu-core
pdf-libs:
	@missing=$$(for package in $(PDF_PACKAGES); do \
		dpkg-query -W -f='$${Status}' $$package 2>/dev/null | grep -q "ok installed" || echo $$package; \
	done); \
	if [ -n "$$missing" ]; then \
		echo "Installing with apt what PDFs need:" $$missing; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	fi

## chromium: Debian's Chromium for the browser tests (Playwright cannot download its own here)
chromium:
	@if [ ! -x /usr/bin/chromium ]; then \
		echo "Installing Chromium with apt for the browser tests"; \
		$(SUDO) apt-get update -qq && \
		$(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	fi

## test: install what the tests need (Chromium included) and run every test on SQLite
test: install-test chromium pdf-libs
	$(PYTEST) -q -p no:cacheprovider; status=$$?; [ $$status -eq 5 ] && status=0; exit $$status

## test-fast: every test but the browser journeys (no Chromium needed)
test-fast: install-test pdf-libs
	$(PYTEST) -q -p no:cacheprovider -m "not browser"; status=$$?; [ $$status -eq 5 ] && status=0; exit $$status

## screenshots: run the browser journeys and keep their screenshots as the README's pictures
screenshots: install-test chromium pdf-libs
	PROVMAP_SCREENSHOTS=docs/screenshots $(PYTEST) -q -p no:cacheprovider -m browser

## test-postgres: the same suite on PostgreSQL (127.0.0.1:5432, user postgres)
test-postgres: install-test chromium pdf-libs
	DATABASE_URL=$(PG_URL) $(PYTEST) -q -p no:cacheprovider; \
		status=$$?; [ $$status -eq 5 ] && status=0; exit $$status

lint: install-test
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

fmt: install-test
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

## bench: timings at trust scale (25 schools of 1,200 pupils, built afresh in the PostgreSQL
## database BENCH_DATABASE_URL, whose name must begin provmap_bench), written to
## docs/benchmarks.md, with the load test (bench/load.py: 50 users against gunicorn on
## 127.0.0.1 for 60 s; BENCH_LOAD=0 leaves it out)
BENCH_DATABASE_URL ?= postgres://postgres@127.0.0.1:5432/provmap_bench
bench: install-test
	BENCH_DATABASE_URL=$(BENCH_DATABASE_URL) $(BIN)/python -m bench.run

clean:
	rm -rf $(VENV) db.sqlite3 staticfiles .pytest_cache .ruff_cache .mypy_cache .lock-venv test-results
