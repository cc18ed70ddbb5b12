# cogov — developer and CI entry points.
#
#   make run        run the baseline scenario (ARGS="--days 30" to pass more options)
#   make test       full test suite, 2 pytest-xdist workers
#   make smoke312   Python 3.12 + Mesa 3.5.x compatibility smoke (skipped if no 3.12 is found)
#   make bench      throughput benchmark
#   make clean      remove virtualenvs and build/test caches (keeps results/)

PYTHON ?= python3
VENV   := .venv
VENV312 := .venv312
PIP_FLAGS ?= --disable-pip-version-check

# Python 3.12 for the smoke: pyenv's 3.12.1 if present, else a *working* python3.12 on PATH
# (a pyenv shim for a version that is not enabled exits non-zero, so ask it for its real path).
ifndef PY312
PY312 := $(or $(wildcard $(HOME)/.pyenv/versions/3.12.1/bin/python),$(shell python3.12 -c 'import sys; print(sys.executable)' 2>/dev/null))
endif

SMOKE_DAYS ?= 30

.PHONY: setup run test smoke312 bench clean

# --- main virtualenv (default Python, Mesa as resolved from pyproject.toml) -------------------
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install $(PIP_FLAGS) -e '.[test]'
	touch $@

setup: $(VENV)/.installed

run: $(VENV)/.installed
	$(VENV)/bin/cogov run scenarios/baseline.yaml $(ARGS)

test: $(VENV)/.installed
	$(VENV)/bin/python -m pytest -n 2 -q

bench: $(VENV)/.installed
	$(VENV)/bin/python bench/bench_throughput.py

# --- Python 3.12 / Mesa 3.5.x smoke ----------------------------------------------------------
# networkx: Mesa 3.5.0/3.5.1 import it unconditionally but do not declare it (mesa/mesa#3365, #3699).
$(VENV312)/.installed: pyproject.toml
	@test -n "$(PY312)" || { echo "no Python 3.12 interpreter found" >&2; exit 1; }
	$(PY312) -m venv $(VENV312)
	$(VENV312)/bin/pip install $(PIP_FLAGS) -e '.[test]' 'mesa>=3.5,<3.6' networkx
	touch $@

ifeq ($(strip $(PY312)),)
smoke312:
	@echo "smoke312: SKIPPED — no Python 3.12 found ($(HOME)/.pyenv/versions/3.12.1/bin/python missing, no working python3.12 on PATH)"
else
smoke312: $(VENV312)/.installed
	@$(VENV312)/bin/python -c 'import sys, mesa; print(f"smoke312: Python {sys.version.split()[0]}, Mesa {mesa.__version__}")'
	@out=$$(mktemp -d) && trap 'rm -rf "$$out"' EXIT && \
	  echo "$(VENV312)/bin/cogov run scenarios/baseline.yaml --days $(SMOKE_DAYS) --quiet --out $$out/run" && \
	  $(VENV312)/bin/cogov run scenarios/baseline.yaml --days $(SMOKE_DAYS) --quiet --out "$$out/run"
	$(VENV312)/bin/python -m pytest -q tests/test_batch_run.py tests/test_webapp_components.py
endif

clean:
	rm -rf $(VENV) $(VENV312) build dist *.egg-info .pytest_cache
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
