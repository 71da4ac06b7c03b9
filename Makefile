# Treehole — two commands on a fresh machine:
#   make run    the site on http://127.0.0.1:8000 (embedded: SQLite, in-process Redis; no services)
#   make test   the whole suite against real MariaDB and Redis
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
# Two stamps: `make run` needs only the runtime requirements; `make test` adds the test tools and
# the MariaDB driver. A mysql DATABASE_URL makes `make run` install the driver too.
RUN_STAMP := $(VENV)/.installed-run
MYSQL_STAMP := $(VENV)/.installed-mysql
DEV_STAMP := $(VENV)/.installed-dev
HOST ?= 127.0.0.1
PORT ?= 8000

# Tests: real services, a dedicated Redis db index (flushed between tests), eager background jobs.
TEST_DATABASE_URL ?= mysql://root@127.0.0.1:3306/treehole
TEST_REDIS_URL ?= redis://127.0.0.1:6379/15

.PHONY: run test lint-imports sysdeps browser mroonga node venv venv-dev migrate demo check-services lint clean messages bench

# mysqlclient compiles against the MariaDB client headers; install them when missing (Debian).
sysdeps:
	@if ! pkg-config --exists libmariadb 2>/dev/null && ! pkg-config --exists mysqlclient 2>/dev/null; then \
	  echo "Installing the MariaDB client headers (libmariadb-dev) for mysqlclient..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq libmariadb-dev pkg-config >/dev/null; \
	fi

# The browser journeys (tests/e2e) drive Debian's chromium (+ a CJK font, so screenshots are
# legible); install them when missing (never a Playwright browser download).
browser:
	@if [ ! -x /usr/bin/chromium ] || [ ! -e /usr/share/fonts/truetype/noto/NotoColorEmoji.ttf ]; then \
	  echo "Installing Debian's chromium and fonts for the browser journeys (tests/e2e)..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq chromium fonts-wqy-zenhei fonts-noto-color-emoji >/dev/null; \
	fi

# Search runs on Mroonga (notes/search): Debian's mariadb-plugin-mroonga, the same version as the
# local MariaDB server; installed when the server is here and the plugin is not (the migration
# then enables it with INSTALL SONAME). A server elsewhere needs the package on its own host.
mroonga:
	@if dpkg-query -W -f='$${Status}' mariadb-server 2>/dev/null | grep -q "install ok installed" && \
	  ! dpkg-query -W -f='$${Status}' mariadb-plugin-mroonga 2>/dev/null | grep -q "install ok installed"; then \
	  version=$$(dpkg-query -W -f='$${Version}' mariadb-server); \
	  echo "Installing mariadb-plugin-mroonga $$version (full-text search)..."; \
	  if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq "mariadb-plugin-mroonga=$$version" >/dev/null; \
	fi

# Test and bench tools from the npm registry (package.json / package-lock.json): axe-core for the
# journeys' accessibility checks, Lighthouse for make bench. Node and npm come from Debian when
# missing; `npm ci` installs exactly the lock when node_modules is missing or older than it.
node:
	@command -v npm >/dev/null || { echo "Installing node and npm..."; if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq nodejs npm >/dev/null; }
	@if [ ! -e node_modules/.package-lock.json ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then \
	  npm ci --no-audit --no-fund --loglevel=error; fi

$(VENV)/bin/python:
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip

$(RUN_STAMP): requirements.txt | $(VENV)/bin/python
	$(PY) -m pip install -q -r requirements.txt
	touch $@

# mysqlclient builds against the MariaDB client headers: only the real mode needs them.
$(MYSQL_STAMP): requirements-mysql.txt | $(VENV)/bin/python
	@$(MAKE) --no-print-directory sysdeps
	$(PY) -m pip install -q -r requirements-mysql.txt
	touch $@

$(DEV_STAMP): requirements.txt requirements-mysql.txt requirements-dev.txt $(RUN_STAMP) $(MYSQL_STAMP)
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $@

# The runtime, plus the MariaDB driver when DATABASE_URL points at MySQL/MariaDB.
venv: $(RUN_STAMP) $(if $(filter mysql%,$(DATABASE_URL)),$(MYSQL_STAMP))

venv-dev: $(DEV_STAMP)

migrate: venv
	$(PY) manage.py migrate --noinput

demo: migrate
	$(PY) manage.py seed_demo

run: demo
	@echo "Serving Treehole (HTTP + WebSocket) on http://$(HOST):$(PORT)/  — admin at /admin/"
	@if [ -z "$$EMAIL_URL" ] || [ "$${EMAIL_URL%%:*}" = consolemail ]; then \
	  echo "E-mail codes (register, password reset) are printed in this terminal, not sent (EMAIL_URL=consolemail://)."; \
	else echo "E-mail is sent through EMAIL_URL ($${EMAIL_URL%%:*})."; fi
	$(PY) manage.py runserver $(HOST):$(PORT)

check-services: venv-dev
	@DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) $(PY) -m treehole.checks

# The import contracts in .importlinter (the apps' layers, selectors only read), before any test.
lint-imports: venv-dev
	$(VENV)/bin/lint-imports --no-cache

test: venv-dev mroonga check-services browser node lint-imports
	DATABASE_URL=$(TEST_DATABASE_URL) REDIS_URL=$(TEST_REDIS_URL) TASKS_IMMEDIATE=1 \
	  $(PY) -m pytest $(PYTEST_ARGS)

messages: venv
	cd accounts && ../$(PY) ../manage.py makemessages -l en --ignore '.venv/*' || true
	$(PY) manage.py makemessages -l en --ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'node_modules/*' --ignore 'tmp/*'
	$(PY) manage.py makemessages -d djangojs -l en --ignore '.venv/*' --ignore 'staticfiles/*' --ignore 'node_modules/*' --ignore 'tmp/*'
	$(PY) manage.py compilemessages --ignore '.venv/*' --ignore 'node_modules/*'

# Benchmarks (issue 9): the deployed configuration beside its baselines, in one run (< 10 min once
# seeded) on MariaDB db treehole_bench* and Redis dbs 7-8; writes docs/benchmarks.md. Needs wrk
# (Debian package, installed when missing). BENCH_ARGS="--only http,vote" runs some sections.
bench: venv mroonga check-services browser node
	@command -v wrk >/dev/null || { if [ "$$(id -u)" = 0 ]; then SUDO=; else SUDO=sudo; fi; \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq wrk >/dev/null; }
	ulimit -n $$(ulimit -Hn) && $(PY) -m bench.run $(BENCH_ARGS)

clean:
	rm -rf $(VENV) staticfiles db.sqlite3 .pytest_cache test-results node_modules
