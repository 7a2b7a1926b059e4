# Shopper: `make run` and `make test` (README), and what they need.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# Debian's own Python is built with profile-guided optimisation (the scoring engine runs
# about 20% faster on it than on an unoptimised build); any Python 3.11+ works.
PYTHON ?= $(shell if [ -x /usr/bin/python3 ]; then echo /usr/bin/python3; else command -v python3; fi)
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed
# Debian packages the project needs; installed when missing and run as root.
# Pango and libharfbuzz-subset0 for WeasyPrint's PDFs (fast font subsetting),
# poppler-utils for looking at them (pdftoppm, pdftotext).
DEBIAN_PACKAGES := python3-venv chromium fonts-dejavu-core libpango-1.0-0 libpangoft2-1.0-0 \
  libharfbuzz-subset0 poppler-utils

.PHONY: help install system run test test-sqlite test-postgres lint bench soak translations clean

PORT ?= 5000
# PostgreSQL server for the second run of the suite; each run makes a fresh database.
TEST_POSTGRES_URL ?= postgresql://root@127.0.0.1:5432/test

help:
	@echo "make run    - install, then the web app on http://127.0.0.1:$${PORT:-5000}"
	@echo "make test   - install, then the whole test suite"
	@echo "make bench  - the benchmarks of bench/ (figures in docs/PERFORMANCE.md)"
	@echo "make soak   - load, faults and the long fuzz (figures in docs/RELIABILITY.md)"

system:
	@command -v dpkg-query >/dev/null || exit 0; \
	missing=$$(for p in $(DEBIAN_PACKAGES); do \
	  dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q 'ok installed' || echo $$p; done); \
	[ -z "$$missing" ] && exit 0; \
	if [ "$$(id -u)" = 0 ]; then \
	  echo "Installing Debian packages: $$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing; \
	else \
	  echo "Shopper needs these Debian packages: $$missing"; \
	  echo "Install them with: sudo apt-get install -y $$missing   (then run make again)"; \
	  exit 1; \
	fi

$(STAMP): pyproject.toml
	@$(MAKE) --no-print-directory system
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --disable-pip-version-check -e '.[dev]'
	@touch $@

install: $(STAMP)
	@$(BIN)/pybabel --quiet compile -d shopper/translations

lint: install
	$(BIN)/ruff check .
	$(BIN)/bandit --quiet --recursive shopper

# The whole suite on SQLite and on PostgreSQL, both at once (two processes: the suite
# is mostly one core's work, and this machine has two); each run's output is printed
# whole when it ends. `make test-sqlite` or `make test-postgres` runs one.
test: lint
	@$(MAKE) --no-print-directory -j2 --output-sync=target test-sqlite test-postgres

# Each run its own temporary directory (pytest cleans old ones of its own base).
# tests/unit touch no database: they run once, with test-postgres (the two runs then
# take about as long). The browser tests run once too, here on SQLite: they drive pages
# whose data paths the integration tests check on PostgreSQL.
test-sqlite: install
	SHOPPER_ENV=testing $(BIN)/python -m pytest --basetemp="$${TMPDIR:-/tmp}/shopper-test-sqlite" \
	  --ignore=tests/unit

test-postgres: install
	@$(BIN)/python -c "import psycopg, sys; psycopg.connect(sys.argv[1], connect_timeout=5).close()" \
	  "$(TEST_POSTGRES_URL)" 2>/dev/null || { \
	  echo "PostgreSQL does not answer at $(TEST_POSTGRES_URL): start it (.ci/run does) or set TEST_POSTGRES_URL."; exit 1; }
	SHOPPER_ENV=testing TEST_DATABASE_URL="$(TEST_POSTGRES_URL)" $(BIN)/python -m pytest \
	  --basetemp="$${TMPDIR:-/tmp}/shopper-test-postgres" --ignore=tests/browser

# What does not fit in `make test`: the load runs on SQLite and PostgreSQL, PostgreSQL
# restarted under load (restarts the server: its other users lose their connections),
# the long API fuzz. About 25 minutes; the figures are in docs/RELIABILITY.md.
soak: install
	$(BIN)/python bench/load.py --database sqlite
	$(BIN)/python bench/load.py --database postgresql --postgres-url "$(TEST_POSTGRES_URL)"
	$(BIN)/python bench/faults.py --postgres-url "$(TEST_POSTGRES_URL)"
	$(BIN)/python bench/fuzz.py --cases 10000

# Zero configuration: SQLite at instance/shopper.db, demo data on the first run, jobs in
# instance/shopper.jobs.db, e-mail as .eml files in instance/outbox/. The job worker runs
# beside the web app; stopping one (Ctrl-C) stops both.
run: install
	@first=; [ -f instance/shopper.db ] || first=1; \
	export SHOPPER_ENV=development; \
	$(BIN)/shopper db upgrade && \
	if [ -n "$$first" ]; then $(BIN)/shopper demo; fi && \
	echo "Shopper on http://127.0.0.1:$(PORT)  (demo log-ins: README.md)" && \
	{ $(BIN)/shopper worker & worker=$$!; \
	  trap 'kill $$worker 2>/dev/null; wait $$worker 2>/dev/null' EXIT INT TERM; \
	  $(BIN)/shopper run --host 127.0.0.1 --port $(PORT); }

# After changing user-facing strings: extract them and update every catalog.
translations: install
	$(BIN)/pybabel --quiet extract -F shopper/translations/babel.cfg -k _l -k lazy_gettext \
	  --no-location --sort-output --project Shopper -o shopper/translations/messages.pot .
	$(BIN)/pybabel --quiet update -i shopper/translations/messages.pot -d shopper/translations \
	  --no-fuzzy-matching --ignore-obsolete

bench: install
	$(BIN)/python bench/scoring.py
	$(BIN)/python bench/demo_load.py
	$(BIN)/python bench/form_page.py
	$(BIN)/python bench/uploads.py
	$(BIN)/python bench/lighthouse.py
	$(BIN)/python bench/review_queue.py
	$(BIN)/python bench/scorecards.py

clean:
	rm -rf $(VENV) .pytest_cache .ruff_cache .hypothesis
