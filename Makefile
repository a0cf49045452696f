# finlite: the two commands a new machine needs are `make quickstart` and `make test`.
# Both create .venv when missing and install what they need (a stamp file keeps re-runs fast).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.finlite-installed
# torch first and pinned: on the project machines this is the local CPU wheel; the package range
# (>=2.6,<2.14) then keeps every other dependency from pulling a newer torch.
TORCH  ?= torch==2.13.0

.PHONY: install quickstart test test-bundles clean help

help:
	@echo "make quickstart   synthetic data -> train -> export -> verify -> runs/quickstart/REPORT.md"
	@echo "make test         the test suite (creates .venv on first use)"
	@echo "make clean        remove runs/ and caches (keeps .venv)"

$(PY):
	$(PYTHON) -m venv $(VENV)

$(STAMP): pyproject.toml | $(PY)
	$(PY) -m pip install --quiet --upgrade pip
	$(PY) -m pip install --quiet "$(TORCH)"
	$(PY) -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

install: $(STAMP)

quickstart: $(STAMP)
	$(VENV)/bin/finlite quickstart --out runs/quickstart

test: $(STAMP)
	$(PY) -m pytest -q

# small intent + profile bundles the mobile demos' tests read (kept between runs while finlite's version is unchanged)
BUNDLES ?= build/test-bundles
test-bundles: $(STAMP)
	$(PY) tests/mobile/make_bundles.py $(BUNDLES)

clean:
	rm -rf runs .pytest_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +
