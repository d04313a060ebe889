# Psoas Atlas. `make run` and `make test` set up everything a fresh Debian machine lacks:
# Debian packages, a virtual environment in .venv, the package with its dependencies.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup system-packages lint typecheck pytest soak bench meshes clean

run: setup
	@if [ -n "$$DISPLAY" ] || [ -n "$$WAYLAND_DISPLAY" ]; then $(BIN)/psoas-atlas; \
	else echo "No display: starting the viewer on a virtual X display (xvfb-run)"; \
	xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/psoas-atlas; fi

test: setup lint typecheck pytest

setup: system-packages $(STAMP)

system-packages:
	@scripts/install-system-packages

$(STAMP): pyproject.toml
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -e ".[dev]"
	@touch $(STAMP)

lint:
	$(BIN)/ruff check app tests
	$(BIN)/ruff format --check app tests
	$(BIN)/lint-imports

typecheck:
	$(BIN)/mypy app

pytest:
	$(BIN)/python -m pytest

# The full stamina run: 2000 random user actions in the window (the suite runs a short one).
soak: setup
	$(BIN)/python -m pytest tests/qt/test_soak.py --soak-actions 2000 -s --timeout 1800

# Frame times, click latency and memory in the real window (see README, Speed).
bench: setup
	@if [ -n "$$DISPLAY" ]; then $(BIN)/psoas-atlas bench; \
	else xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/psoas-atlas bench; fi

# Regenerate meshes/ from the installed myo-sim (reproducible; see meshes/PROVENANCE.json).
meshes: setup
	$(BIN)/psoas-atlas build-meshes

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
