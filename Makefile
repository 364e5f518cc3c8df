# Two commands on a fresh machine with Python 3.12 or newer: `make demo` and `make test`.
# The first Python 3.12+ found: on PATH, else one installed through pyenv; PYTHON=... overrides.
PYTHON ?= $(shell for p in python3.13 python3.12 python3 python; do \
		command -v $$p >/dev/null 2>&1 && $$p -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null \
		&& { command -v $$p; exit 0; }; done; \
	for p in $$(pyenv root 2>/dev/null || echo "$$HOME/.pyenv")/versions/3.*/bin/python3; do \
		[ -x "$$p" ] && "$$p" -c 'import sys; sys.exit(sys.version_info < (3, 12))' 2>/dev/null && { echo "$$p"; exit 0; }; \
	done)
VENV   := .venv
BIN    := $(VENV)/bin
ASSETS := .solara-assets

.PHONY: demo test install dev assets browser app classroom notebooks bench bench-app lint clean

$(BIN)/python:
	@if [ -z "$(PYTHON)" ]; then \
		echo "crmsim needs Python 3.12 or newer: install it (e.g. 'pyenv install 3.12' or your system's python3.12 package), or run make PYTHON=/path/to/python3.12"; \
		exit 2; fi
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip

# Reinstall only when the package metadata changes.
$(VENV)/.installed: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e .
	touch $@

$(VENV)/.installed-dev: pyproject.toml | $(BIN)/python
	$(BIN)/pip install --quiet -e ".[dev]"
	touch $@ $(VENV)/.installed

install: $(VENV)/.installed

dev: $(VENV)/.installed-dev

demo: install
	$(BIN)/crmsim run --out out/demo

# The dashboard's front-end files, from the npm registry, so it works with no internet.
$(ASSETS)/.complete: | $(VENV)/.installed-dev
	$(BIN)/python -m sim.presentation.app_assets $(ASSETS)
	touch $@

assets: $(ASSETS)/.complete

# Debian's chromium for the dashboard's browser test (root only; without it the test is
# skipped locally, and fails under CI=true).
browser:
	@if command -v chromium >/dev/null 2>&1; then :; \
	elif [ "$$(id -u)" = 0 ]; then \
		apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	else echo "note: chromium is not installed and this is not root: the browser test will be skipped"; fi

test: dev assets browser
	CRMSIM_ASSETS=$(CURDIR)/$(ASSETS) $(BIN)/python -m pytest -q

app: dev assets
	CRMSIM_ASSETS=$(CURDIR)/$(ASSETS) $(BIN)/crmsim app

# A class plays the people: the teacher opens /teacher, students / (crmsim classroom --help).
classroom: dev assets
	CRMSIM_ASSETS=$(CURDIR)/$(ASSETS) $(BIN)/crmsim classroom

# The teaching notebooks in JupyterLab, on this machine only, with crmsim's environment
# (JupyterLab refuses root unless told: a container's or CI's user).
notebooks: dev
	$(BIN)/jupyter lab --ServerApp.ip=127.0.0.1 --ServerApp.root_dir=$(CURDIR)/notebooks $$([ "$$(id -u)" = 0 ] && echo --allow-root)

bench: dev
	$(BIN)/python benchmarks/bench_run.py
	$(BIN)/python benchmarks/bench_batch.py
	$(BIN)/python benchmarks/bench_sweep.py

# How fast the dashboard redraws a week in a real browser (Debian's chromium).
bench-app: dev assets browser
	CRMSIM_ASSETS=$(CURDIR)/$(ASSETS) $(BIN)/python benchmarks/bench_app_latency.py

lint: dev
	$(BIN)/ruff check sim tests benchmarks
	$(BIN)/lint-imports

clean:
	rm -rf $(VENV) out .pytest_cache $(ASSETS)
