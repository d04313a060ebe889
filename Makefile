# Psoas Atlas. `make run` and `make test` set up everything a fresh Debian machine lacks:
# Debian packages, a virtual environment in .venv, the dependencies at the exact versions and
# hashes of requirements.lock, and the package itself. `make lock` refreshes the lock.
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.installed

.PHONY: run test setup system-packages lint typecheck pytest pytest-quick soak bench meshes clean lock

run: setup
	@if [ -n "$$DISPLAY" ] || [ -n "$$WAYLAND_DISPLAY" ]; then $(BIN)/psoas-atlas; \
	else echo "No display: starting the viewer on a virtual X display (xvfb-run)"; \
	xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/psoas-atlas; fi

test: setup lint typecheck pytest

setup: system-packages $(STAMP)

system-packages:
	@scripts/install-system-packages

# Every dependency, tools included, at the version and hashes the lock names (nothing drifts);
# then the package itself, editable, built by the locked setuptools (no download, nothing added).
$(STAMP): pyproject.toml requirements.lock
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --require-hashes --only-binary :all: -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)

# Find drift on purpose: resolve the newest versions pyproject.toml allows (uv), write them with
# their hashes to requirements.lock, install them and run the whole suite against them.
# Commit the lock when the suite passes; `git diff requirements.lock` shows what moved.
lock: system-packages
	@test -x $(BIN)/python || $(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet uv
	$(BIN)/uv pip compile pyproject.toml --extra dev --universal --python-version 3.11 --generate-hashes \
		--upgrade --quiet --custom-compile-command "make lock" -o requirements.lock
	$(BIN)/python -m pip install --quiet --require-hashes --only-binary :all: -r requirements.lock
	$(BIN)/python -m pip install --quiet --no-deps --no-build-isolation -e .
	@touch $(STAMP)
	$(MAKE) lint typecheck pytest

lint:
	$(BIN)/ruff check app tests
	$(BIN)/ruff format --check app tests
	$(BIN)/lint-imports

typecheck:
	$(BIN)/mypy app

# Every test, the slow ones too: `slow` marks a test over about 30 s (rebuilding the meshes from
# myo-sim). `make pytest-quick` leaves them out, for a quick run while editing.
pytest:
	$(BIN)/python -m pytest

pytest-quick:
	$(BIN)/python -m pytest -m "not slow"

# The full stamina run: 2000 random user actions in the window (the suite runs a short one).
# `make soak SOAK_KINDS=video,walk` draws only those kinds after the warm-up (to find a leak).
soak: setup
	$(BIN)/python -m pytest tests/qt/test_soak.py --soak-actions 2000 -s --timeout 1800 --numprocesses 0 \
		$(if $(SOAK_KINDS),--soak-kinds $(SOAK_KINDS))

# Frame times, click latency and memory in the real window (see README, Speed).
bench: setup
	@if [ -n "$$DISPLAY" ]; then $(BIN)/psoas-atlas bench; \
	else xvfb-run -a -s "-screen 0 1920x1080x24" $(BIN)/psoas-atlas bench; fi

# Regenerate app/data/meshes/ from the installed myo-sim (reproducible; see its PROVENANCE.json).
meshes: setup
	$(BIN)/psoas-atlas build-meshes

clean:
	rm -rf $(VENV) .pytest_cache .mypy_cache .ruff_cache
