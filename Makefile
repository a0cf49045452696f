# finlite: the two commands a new machine needs are `make quickstart` and `make test`.
# Both create .venv when missing and install what they need (a stamp file keeps re-runs fast).

PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.finlite-installed
# torch first and pinned: on the project machines this is the local CPU wheel; the package range
# (>=2.6,<2.14) then keeps every other dependency from pulling a newer torch.
TORCH  ?= torch==2.13.0

.PHONY: install quickstart test test-bundles bench bench-full clean help

help:
	@echo "make quickstart   synthetic data -> train -> export -> verify -> runs/quickstart/REPORT.md"
	@echo "make test         the test suite, then make test-android and make test-ios (creates .venv on first use)"
	@echo "make bench        benchmark suites -> benchmarks/results/ (blocks, training_cost, pareto, runtimes; < 30 min on 2 cores)"
	@echo "make bench-full   full training: blocks (3 seeds) and pareto -> benchmarks/results/{blocks,pareto}_full.* (about 45 min on 2 cores)"
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

# the Python suite, then the mobile demos' tests against small bundles built by test-bundles
test: $(STAMP)
	$(PY) -m pytest -q
	$(MAKE) --no-print-directory test-android test-ios

# small intent + profile bundles the mobile demos' tests read (kept between runs while finlite's version is unchanged)
BUNDLES ?= build/test-bundles
test-bundles: $(STAMP)
	$(PY) tests/mobile/make_bundles.py $(BUNDLES)

# android_demo: JVM tests of finlite-core against the bundles' golden.json + an API 23 compile check of the app
# (installs Debian's kotlin/junit4 and fetches android.jar on first use; no Gradle; see android_demo/README.md)
.PHONY: test-android
test-android: test-bundles
	android_demo/scripts/test_jvm.sh $(BUNDLES)

# FinliteKit (ios_demo/) XCTests on Linux: a Debian trixie root with swiftlang, cached outside git in
# ${FINLITE_CACHE:-~/.cache/finlite}/swift-trixie (built on first use, needs root), runs `swift test`.
.PHONY: test-ios
test-ios: test-bundles
	ios_demo/scripts/test_swift.sh $(BUNDLES)

# benchmark suites (docs/benchmarks.md): installs the bench + executorch extras with
# torch pinned; the runtimes suite needs the quickstart bundles (made first when missing)
BENCH_STAMP := $(VENV)/.finlite-bench-installed
$(BENCH_STAMP): pyproject.toml | $(STAMP)
	$(PY) -m pip install --quiet "$(TORCH)" -e ".[bench,executorch]"
	@touch $(BENCH_STAMP)

bench: $(BENCH_STAMP)
	@test -f runs/quickstart/bundles/intent/manifest.json || $(VENV)/bin/finlite quickstart --out runs/quickstart
	@start=$$(date +%s); \
	$(PY) benchmarks/blocks.py && $(PY) benchmarks/training_cost.py && $(PY) benchmarks/pareto.py && $(PY) benchmarks/runtimes.py; status=$$?; \
	echo "make bench: $$(( $$(date +%s) - start )) s"; exit $$status

bench-full: $(BENCH_STAMP)
	$(PY) benchmarks/blocks.py --full --seeds 0,1,2 && $(PY) benchmarks/pareto.py --full

clean:
	rm -rf runs .pytest_cache
	find . -name __pycache__ -not -path "./$(VENV)/*" -prune -exec rm -rf {} +

# Emulated aarch64 (qemu-user) parity + deterministic instruction counts of bundles, not latency (docs/arm.md).
# The aarch64 environment is built once into $FINLITE_CACHE/arm64 (default ~/.cache/finlite/arm64) (Debian packages + PyPI).
ARM_BUNDLES ?= runs/quickstart/bundles/intent runs/quickstart/bundles/profile
ARM_ARGS    ?=
.PHONY: bench-arm bench-arm-smoke
bench-arm: $(STAMP)
	$(PY) -m finlite.bench.arm $(ARM_BUNDLES) --cpu all $(ARM_ARGS)

# CI smoke (one small bundle, one CPU profile, gate against the committed baseline): ~5 min from a clean clone
bench-arm-smoke: test-bundles
	$(PY) -m finlite.bench.arm $(BUNDLES)/intent --smoke --cpu a76 --compare benchmarks/results/arm_baseline.json --max-regression 5 $(ARM_ARGS)
