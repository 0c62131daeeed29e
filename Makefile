# Two commands do all the set-up on a fresh Debian 12 machine:
#   make run    the kiosk window beside a local hub with demo data
#   make test   the whole test suite (two processes, each on a virtual screen of its own)
# Both install what is missing: Debian packages when run as root, a virtualenv in .venv.

SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
# Extra pytest arguments, e.g. `make test PYTEST_ARGS="-k outbox"` or `--crash-rounds=200`.
PYTEST_ARGS ?=
# Test processes (pytest-xdist), each with a virtual screen of its own (tests/xscreen.py); a test
# file stays in one process, so its module fixtures are built once. TEST_WORKERS=0: one process.
TEST_WORKERS ?= 2

.PHONY: run test test-full bench deps system-deps hub clean locales locales-compiled

run: deps
	@bash deploy/demo.sh

test: deps
	@env -u DISPLAY $(PY) -m pytest -n $(TEST_WORKERS) --dist loadfile $(PYTEST_ARGS)

# The long version of the crash test (200 kill -9 rounds) and everything else.
test-full:
	@$(MAKE) --no-print-directory test PYTEST_ARGS="--crash-rounds=200 $(PYTEST_ARGS)"

bench: deps
	@$(PY) -m bench

deps: system-deps $(STAMP) locales-compiled

system-deps:
	@bash deploy/system-deps.sh

$(STAMP): requirements.txt requirements-dev.txt
	@test -x $(PY) || $(PYTHON) -m venv $(VENV)
	@$(PY) -m pip install --quiet --disable-pip-version-check --upgrade pip
	@$(PY) -m pip install --quiet --disable-pip-version-check -r requirements-dev.txt
	@touch $(STAMP)

# Translations (README, "Languages and translations"). `make locales` extracts every
# tenant-facing text into kiosk.pot and merges it into each catalogue (kept translations stay);
# the .mo files the kiosk reads are built from the .po files, and are not in git.
LOCALE_DIR := assets/locale
LANGUAGES := en es pt
PYBABEL := PYTHONPATH=. $(VENV)/bin/pybabel -q
MO_FILES := $(foreach lang,$(LANGUAGES),$(LOCALE_DIR)/$(lang)/LC_MESSAGES/kiosk.mo)

locales: $(STAMP)
	@mkdir -p $(LOCALE_DIR)
	@$(PYBABEL) extract -F babel.cfg -k N_ -k tr -k translate --add-location=file --no-wrap \
		--project="Lobby kiosk" -o $(LOCALE_DIR)/kiosk.pot .
	@for lang in $(LANGUAGES); do \
		$(PYBABEL) update -i $(LOCALE_DIR)/kiosk.pot -d $(LOCALE_DIR) -D kiosk -l $$lang \
			--init-missing --ignore-obsolete --ignore-pot-creation-date --no-wrap || exit 1; \
	done
	@$(MAKE) --no-print-directory locales-compiled

locales-compiled: $(MO_FILES)

$(LOCALE_DIR)/%/LC_MESSAGES/kiosk.mo: $(LOCALE_DIR)/%/LC_MESSAGES/kiosk.po | $(STAMP)
	@$(PYBABEL) compile -D kiosk -i $< -o $@

clean:
	rm -rf $(VENV) var .pytest_cache
