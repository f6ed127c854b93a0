# Everything a fresh Debian machine with Python 3.11 needs: `make demo`, `make test`.
PYTHON ?= python3
VENV   := .venv
BIN    := $(VENV)/bin
STAMP  := $(VENV)/.installed-stamp
HOST   ?= 127.0.0.1
PORT   ?= 8000

.PHONY: all install demo serve test test-shifted lint format bench graph clean

all: test

$(BIN)/python:
	@$(PYTHON) -c 'import ensurepip, venv' 2>/dev/null || { \
	  echo "Python's venv module is missing; installing python3-venv (Debian)"; \
	  if [ "$$(id -u)" -eq 0 ]; then apt-get update -qq && apt-get install -y -qq python3-venv; \
	  else sudo apt-get update -qq && sudo apt-get install -y -qq python3-venv; fi; }
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(BIN)/python
	$(BIN)/python -m pip install -q --upgrade pip
	$(BIN)/python -m pip install -q -e '.[dev]'
	@touch $(STAMP)

install: $(STAMP)

demo: install
	$(BIN)/mfc-queue demo --no-browser --host $(HOST) --port $(PORT)

serve: install
	$(BIN)/mfc-queue serve --host $(HOST) --port $(PORT)

# lint-imports checks the package arrows (contracts in .importlinter).
lint: install
	$(BIN)/ruff check .
	$(BIN)/mypy queue_server printer hardware_sim kiosk display_board admin
	PYTHONPATH=$(CURDIR) $(BIN)/lint-imports

format: install
	$(BIN)/ruff format .
	$(BIN)/ruff check --fix .

# Worker processes for pytest-xdist: the tests wait on servers, Chromium and subprocesses
# much of the time, so more workers than cores overlap those waits. TEST_WORKERS=0 runs in
# one process (easier to debug); --dist loadfile keeps a module's tests in one worker.
TEST_WORKERS ?= 3
test: install lint
	$(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile

# The suite without its Chromium tests, with the wall clock of every test process moved
# to a 31 December evening in Moscow a year ahead, in a time zone far from Moscow: a test
# that depends on today's date or the machine's zone fails here (tests/support/shifted_clock).
SHIFT_TO ?= $(shell echo $$(( $$(date -u +%Y) + 1 )))-12-31T20:30:00+03:00
SHIFT_TZ ?= Pacific/Kiritimati
test-shifted: install
	PYTHONPATH=$(CURDIR)/tests/support/shifted_clock MFCQ_TEST_CLOCK_SHIFT_TO=$(SHIFT_TO) \
	  TZ=$(SHIFT_TZ) $(BIN)/pytest -n $(TEST_WORKERS) --dist loadfile -p no:time_machine \
	  -W ignore::pytest.PytestAssertRewriteWarning -m "not browser"

# The package graph of docs/architecture.md, from the real imports (needs graphviz's `dot`).
graph: install
	@command -v dot >/dev/null || { echo "graphviz is missing: apt-get install graphviz"; exit 1; }
	PYTHONPATH=$(CURDIR) $(BIN)/python docs/package_graph.py | dot -Tsvg -o docs/img/packages.svg

bench: install
	$(BIN)/python benchmarks/issue_and_call.py

clean:
	rm -rf $(VENV) var .pytest_cache .mypy_cache .ruff_cache *.egg-info
