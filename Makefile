# cogov — developer and CI entry points.
#
#   make run             run the baseline scenario (ARGS="--days 30" to pass more options)
#   make test            full test suite, 2 pytest-xdist workers
#   make smoke312        Python 3.12 + Mesa 3.5.x compatibility smoke (skipped if no 3.12 is found)
#   make smoke313        Python 3.13 compatibility smoke (skipped if no 3.13 is found)
#   make smoke-installed build the wheel, install it in a fresh virtualenv, use it from another folder
#   make docs            the documentation site (mkdocs.yml) into build/site; broken links fail it
#   make bench           throughput benchmark
#   make robustness      the shipped robustness study and every figure of docs/robustness.md (720 runs)
#   make clean           remove virtualenvs and build/test caches (keeps results/)

PYTHON ?= python3
VENV   := .venv
PIP_FLAGS ?= --disable-pip-version-check

# An interpreter for a smoke: pyenv's build if present, else a *working* pythonX.Y on PATH (a pyenv
# shim for a version that is not enabled exits non-zero, so ask it for its real path).
find_python = $(or $(wildcard $(HOME)/.pyenv/versions/$(1)/bin/python),$(shell python$(2) -c 'import sys; print(sys.executable)' 2>/dev/null))
ifndef PY312
PY312 := $(call find_python,3.12.1,3.12)
endif
ifndef PY313
PY313 := $(call find_python,3.13.0,3.13)
endif

SMOKE_DAYS ?= 30

.PHONY: setup run test smoke312 smoke313 smoke-installed docs bench robustness clean

# --- main virtualenv (default Python, Mesa as resolved from pyproject.toml) -------------------
$(VENV)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(VENV)/bin/pip install $(PIP_FLAGS) -e '.[test,robust]'
	touch $@

setup: $(VENV)/.installed

run: $(VENV)/.installed
	$(VENV)/bin/cogov run scenarios/baseline.yaml $(ARGS)

test: $(VENV)/.installed
	$(VENV)/bin/python -m pytest -n 2 --dist worksteal --durations=15 -q

bench: $(VENV)/.installed
	$(VENV)/bin/python bench/bench_throughput.py

# --- other Pythons: an editable install, a baseline run and the quick tests --------------------
# $(1) target, $(2) interpreter, $(3) virtualenv, $(4) extra requirements.
# smoke312 pins Mesa 3.5.x; networkx: Mesa 3.5.0/3.5.1 import it but do not declare it
# (mesa/mesa#3365, #3699). smoke313 takes whatever pyproject.toml resolves to on 3.13.
define smoke
$(3)/.installed: pyproject.toml
	@test -n "$(2)" || { echo "no interpreter found for $(1)" >&2; exit 1; }
	$(2) -m venv $(3)
	$(3)/bin/pip install $(PIP_FLAGS) -e '.[test]' $(4)
	touch $$@

ifeq ($(strip $(2)),)
$(1):
	@echo "$(1): SKIPPED — no interpreter found (pyenv's build missing, no working python on PATH)"
else
$(1): $(3)/.installed
	@$(3)/bin/python -c 'import sys, mesa; print(f"$(1): Python {sys.version.split()[0]}, Mesa {mesa.__version__}")'
	@out=$$$$(mktemp -d) && trap 'rm -rf "$$$$out"' EXIT && \
	  echo "$(3)/bin/cogov run baseline --days $(SMOKE_DAYS) --quiet --out $$$$out/run" && \
	  $(3)/bin/cogov run baseline --days $(SMOKE_DAYS) --quiet --out "$$$$out/run"
	$(3)/bin/python -m pytest -q tests/test_batch_run.py tests/test_webapp_components.py tests/test_shipped.py
endif
endef

MESA35 := 'mesa>=3.5,<3.6' networkx
$(eval $(call smoke,smoke312,$(PY312),.venv312,$(MESA35)))
$(eval $(call smoke,smoke313,$(PY313),.venv313,))

# --- the package as a user installs it ---------------------------------------------------------
smoke-installed: $(VENV)/.installed
	PYTHON=$(PYTHON) bash .ci/installed_smoke.sh

# --- the shipped robustness study (docs/robustness.md): every figure of that page, from scratch --
ROBUST := results/sweeps/robust_packages
robustness: $(VENV)/.installed
	$(VENV)/bin/cogov sweep scenarios/sweeps/robust_packages.yaml --workers 2 --out $(ROBUST)
	$(VENV)/bin/cogov analyze $(ROBUST) --satisficing "resolution_rate >= 0.9" --satisficing "participation_rate >= 0.38"
	$(VENV)/bin/cogov discover $(ROBUST) --where "option == 'party_led' and resolution_rate - baseline_resolution_rate < 0.1"
	$(VENV)/bin/cogov discover $(ROBUST) --out $(ROBUST)/analysis/discover_core \
	  --where "option == 'party_core' and party_led_resolution_rate - resolution_rate < 0.03"
	$(VENV)/bin/cogov report $(ROBUST) --lang en --out $(ROBUST)/report-en.html
	$(VENV)/bin/cogov report $(ROBUST) --lang zh --out $(ROBUST)/report-zh.html
	cp $(ROBUST)/analysis/distribution.png docs/img/robust_distribution.png
	cp $(ROBUST)/analysis/regret.png docs/img/robust_regret.png
	cp $(ROBUST)/analysis/discover/peeling.png docs/img/robust_peeling.png

# --- documentation site ------------------------------------------------------------------------
$(VENV)/.docs-installed: $(VENV)/.installed pyproject.toml
	$(VENV)/bin/pip install $(PIP_FLAGS) -e '.[test,robust,docs]'
	touch $@

docs: $(VENV)/.docs-installed
	NO_MKDOCS_2_WARNING=1 $(VENV)/bin/mkdocs build --strict

clean:
	rm -rf $(VENV) .venv312 .venv313 build dist *.egg-info .pytest_cache
	find . -path ./.git -prune -o -type d -name __pycache__ -prune -exec rm -rf {} +
