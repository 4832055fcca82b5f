# Porch: `make demo` and `make test` are all anyone needs (see README.md).
PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
PIP := $(BIN)/pip install --quiet --disable-pip-version-check

.PHONY: demo test test-clock check bench lock clean

$(BIN)/python:
	$(PYTHON) -m venv $(VENV)

# Runtime dependencies from the pinned lock, then Porch itself (editable).
$(VENV)/.base: requirements/build.txt requirements/base.txt pyproject.toml | $(BIN)/python
	$(PIP) -r requirements/build.txt
	$(PIP) -r requirements/base.txt
	$(PIP) --no-deps --no-build-isolation -e .
	touch $@

# Test and check tools from the pinned lock.
$(VENV)/.dev: requirements/dev.txt $(VENV)/.base
	$(PIP) -r requirements/dev.txt
	touch $@

demo: $(VENV)/.base
	$(BIN)/porch demo

# axe-core (the accessibility checker the browser tests inject) from the npm lock. Without npm
# the accessibility tests skip locally and fail in CI (tests/browser/conftest.py).
AXE := node_modules/axe-core/axe.min.js
$(AXE): package.json package-lock.json
	@if command -v npm >/dev/null 2>&1; then npm ci --no-audit --no-fund --silent && touch $@; \
	else echo "npm not found: the accessibility tests will skip (install Node.js 20 and npm)"; fi

test: $(VENV)/.dev $(AXE)
	$(BIN)/pytest $(PYTEST_ARGS)

# The tests marked `clock`, each run once frozen at each of these awkward instants (tests/clock.py):
# 00:05 UTC on a Sunday, the year's last minute, 30 s either side of the spring and autumn
# changes in New York and London.
CLOCK_INSTANTS ?= 2026-12-06T00:05Z 2026-12-31T23:59Z \
	2027-03-14T06:59:30Z 2027-03-14T07:00:30Z 2027-03-28T00:59:30Z 2027-03-28T01:00:30Z \
	2027-10-31T00:59:30Z 2027-10-31T01:00:30Z 2027-11-07T05:59:30Z 2027-11-07T06:00:30Z
test-clock: $(VENV)/.dev
	PORCH_TEST_NOW="$(CLOCK_INSTANTS)" $(BIN)/pytest -m clock -q $(PYTEST_ARGS)

check: $(VENV)/.dev
	$(BIN)/ruff format --check porch tests
	$(BIN)/ruff check porch tests
	$(BIN)/mypy porch tests
	$(BIN)/lint-imports

bench: $(VENV)/.dev
	$(BIN)/python -m porch.bench

# Re-resolve the pinned locks from requirements/*.in (run by hand, then commit).
lock:
	rm -rf /tmp/porch-lock && $(PYTHON) -m venv /tmp/porch-lock
	/tmp/porch-lock/bin/pip install --quiet -r requirements/base.in
	(echo "# Pinned runtime lock: generated from base.in by 'make lock'. Do not edit by hand."; /tmp/porch-lock/bin/pip freeze) > requirements/base.txt
	/tmp/porch-lock/bin/pip freeze | sort > /tmp/porch-lock/base.frozen
	/tmp/porch-lock/bin/pip install --quiet -r requirements/dev.in
	(echo "# Pinned development lock: generated from dev.in by 'make lock'. Do not edit by hand."; echo "-r base.txt"; /tmp/porch-lock/bin/pip freeze | sort | comm -23 - /tmp/porch-lock/base.frozen) > requirements/dev.txt

clean:
	rm -rf $(VENV) porch-data node_modules test-screenshots .pytest_cache .mypy_cache .ruff_cache
