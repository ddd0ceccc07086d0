# netwave: the README's commands. Everything installs into .venv; nothing by hand.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
PY := $(VENV)/bin/python
NETWAVE := $(VENV)/bin/netwave
STAMP := $(VENV)/.netwave-installed
TEST_STAMP := $(VENV)/.netwave-test-installed
MUTATION_STAMP := $(VENV)/.netwave-mutation-installed

.PHONY: demo test up lab chaos bench record-histories lint typecheck clean install realnet mutation

$(PY):
	$(PYTHON) -m venv $(VENV)
	$(PY) -m pip install --quiet --upgrade pip

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e .
	touch $@

$(TEST_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test]'
	touch $@ $(STAMP)

$(MUTATION_STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet -e '.[test,mutation]'
	touch $@ $(TEST_STAMP) $(STAMP)

install: $(STAMP)

## make demo: start the embedded stack, run the main job end to end, print a summary
demo: $(STAMP)
	$(NETWAVE) demo

## make test: install test dependencies, lint and type-check, run the whole suite in
## TEST_WORKERS processes (pytest-xdist; most tests wait on devices and Temporal, not the CPU).
## As root, the Debian packages the tests need (frr, openssh-server, chromium) are installed
## first, never from inside the parallel run (tests/utils/machine.py says why).
TEST_WORKERS ?= 3
test: $(TEST_STAMP)
	$(VENV)/bin/ruff check services workflows tests
	$(VENV)/bin/ruff format --check services workflows tests
	$(VENV)/bin/mypy
	$(PY) -W ignore -m tests.utils.machine
	$(PY) -m pytest -n $(TEST_WORKERS)

## make up: keep the embedded stack running (Ctrl-C stops it)
up: $(STAMP)
	$(NETWAVE) dev

## make lab: serve the lab fleet of inventories/ on loopback
lab: $(STAMP)
	$(NETWAVE) lab

## make chaos: kill -9 the worker at seeded random points of a campaign and a change; prints
## kill points exercised, runs completed and duplicate pushes (also part of make test)
chaos: $(TEST_STAMP)
	$(PY) -m pytest tests/chaos -q -s -p no:randomly

## make bench: benchmarks that print numbers and ratios (not part of make test)
bench: $(TEST_STAMP)
	$(PY) -m tests.benchmarks.run

## make record-histories: run every workflow type on the lab and a Temporal dev server, save
## their histories (children too) to tests/data/histories for the replay tests (docs/replay.md)
record-histories: $(TEST_STAMP)
	$(PY) -m tests.histories.record

## make mutation: mutate the change, campaign and push code (pyproject's [tool.mutmut]) and
## run the tests against each mutant; prints the score and the survivors (docs/mutation.md).
## Hours on two cores, not part of make test; an interrupted run resumes where it stopped.
mutation: $(MUTATION_STAMP)
	PYTHONPATH=$(CURDIR)/tests/mutation/site PYTEST_PLUGINS=tests.mutation.reap \
	  $(VENV)/bin/mutmut run \
	  --max-children $(MUTATION_WORKERS) $$($(PY) -m tests.mutation.report --every $(MUTATION_EVERY))
	$(PY) -m tests.mutation.report
MUTATION_WORKERS ?= 2
## MUTATION_EVERY=10: only every tenth mutant of each function (a systematic sample, a tenth
## of the time); the score is then the sample's
MUTATION_EVERY ?= 1

## make realnet: as root, FRR routers in network namespaces: up, the realnet tests, down
realnet: $(TEST_STAMP)
	$(PY) -m tests.realnet

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check services workflows tests
	$(VENV)/bin/ruff format --check services workflows tests
	$(VENV)/bin/mypy

clean:
	rm -rf var/ mutants/ .pytest_cache .mypy_cache .ruff_cache
