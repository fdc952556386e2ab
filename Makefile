# Everything a newcomer needs: `make demo`, `make test`. The virtual environment is made here;
# nothing is installed globally.
# pip says only what fails: -qq also hides the warnings a machine's own pip configuration causes
# (an unreachable extra index, say) and the build backend's notes about the editable install.
PIP_QUIET := --quiet --quiet
PYTHON ?= python3
VENV   := .venv
BIN    := $(abspath $(VENV))/bin
STAMP  := $(VENV)/.installed-stamp
# The agent frameworks (Pipecat, LiveKit Agents) are heavy (~1 GB with numba and onnxruntime): they get a
# virtual environment of their own, so the core dev install stays small. `make test` runs their tests there.
AVENV  := .venv-agents
ABIN   := $(abspath $(AVENV))/bin
ASTAMP := $(AVENV)/.installed-stamp
PKG    := generated/daisys_speak_api
GEN     = PATH="$(BIN):$$PATH" $(BIN)/openapi-python-client generate --path openapi.json --meta none \
          --config generator/config.yaml --custom-template-path generator/templates \
          --fail-on-warning --overwrite

.PHONY: setup redis-server test lint docs regen unasync check-generated fetch-spec demo clean record record-live soak bench

setup: $(STAMP) $(ASTAMP)

$(STAMP): pyproject.toml
	@$(PYTHON) -c 'import sys; sys.exit(0 if sys.version_info >= (3, 11) else "Python 3.11 or newer is needed (the generated client uses StrEnum); set PYTHON=python3.11")'
	@$(PYTHON) -m venv $(VENV)
	@$(BIN)/python -m pip install $(PIP_QUIET) --upgrade pip
	@$(BIN)/python -m pip install $(PIP_QUIET) -e '.[dev,docs]'
	@touch $@

$(ASTAMP): pyproject.toml
	@$(PYTHON) -m venv $(AVENV)
	@$(ABIN)/python -m pip install $(PIP_QUIET) --upgrade pip
	@$(ABIN)/python -m pip install $(PIP_QUIET) -e '.[test,pipecat,livekit]' 'mypy>=1.11'
	@touch $@

# The main suite in .venv (tests/integrations/agents is left out there: its frameworks live in .venv-agents),
# then the agent frameworks' tests in .venv-agents (DAISYS_AGENTS=1: a missing framework is an error there).
test: setup redis-server
	$(BIN)/python -m pytest
	DAISYS_AGENTS=1 $(ABIN)/python -m pytest tests/integrations/agents

# The real Redis the fleet tests start on a free port (tests/fleet): Debian's redis-server, installed where missing.
redis-server:
	@command -v redis-server >/dev/null 2>&1 || { \
		if command -v apt-get >/dev/null 2>&1 && [ "$$(id -u)" = 0 ]; then \
			apt-get install -y -qq redis-server >/dev/null 2>&1 || \
			{ apt-get update -qq >/dev/null && apt-get install -y -qq redis-server >/dev/null; }; \
		else \
			echo "redis-server is missing (the fleet tests need it): apt-get install redis-server" >&2; \
		fi; }

# The documentation site (docs/, mkdocs.yml) into site/: every public name must have a docstring, and
# --strict fails on any broken link or reference (not with --quiet, which hides the warnings it counts).
docs: $(STAMP)
	$(BIN)/python scripts/check_docstrings.py
	NO_MKDOCS_2_WARNING=1 $(BIN)/mkdocs build --strict --site-dir site

# daisys_ext/integrations is checked twice: in .venv (the frameworks absent, as a core install sees it) and in
# .venv-agents against the frameworks' own types.
lint: setup
	$(BIN)/ruff check daisys_ext tests scripts examples
	$(BIN)/mypy --strict daisys_ext
	$(ABIN)/mypy --strict daisys_ext/integrations

# Rewrites generated/ from openapi.json; running it twice gives byte-identical output.
regen: setup
	rm -rf $(PKG)
	$(GEN) --output-path $(PKG) >/dev/null
	printf '' > $(PKG)/py.typed

# Rewrites daisys_ext/_sync/ from daisys_ext/_async/ (the one source of the clients and sessions).
unasync: setup
	$(BIN)/python scripts/unasync.py

# Fails when generated/ differs from what openapi.json produces, or _sync/ from what _async/ produces.
check-generated: setup
	$(BIN)/python scripts/unasync.py --check
	@tmp=$$(mktemp -d) && \
	$(GEN) --output-path $$tmp/daisys_speak_api >/dev/null && printf '' > $$tmp/daisys_speak_api/py.typed && \
	if diff -r -x __pycache__ $$tmp/daisys_speak_api $(PKG) >/dev/null; then \
		echo "generated/ matches openapi.json"; rm -rf $$tmp; \
	else \
		diff -r -x __pycache__ $$tmp/daisys_speak_api $(PKG) | head -40; rm -rf $$tmp; \
		echo "generated/ is out of date: run 'make regen' and commit it" >&2; exit 1; \
	fi

# Downloads the live spec where the network allows, and says what changed.
fetch-spec: setup
	$(BIN)/python scripts/fetch_spec.py

demo: $(STAMP)
	@$(BIN)/python -m daisys_ext.demo

# Both clients shared by 8 threads / 8 tasks against a faulty emulator for SOAK_S seconds (default 60); prints figures.
# FLEET=16: that many processes sharing one login through a file store, a Redis store, and no store, side by side.
soak: setup redis-server
	FLEET=$(FLEET) $(BIN)/python scripts/soak.py

# This client against the official SDK and the floor, side by side in one table (prints figures, asserts nothing;
# see BENCHMARKS.md), then memory while audio moves and the frame decoders alone. About 11 minutes; `make bench BENCH_ARGS=--quick` in about two;
# `BENCH_ARGS='--only cpu'` runs section 4 alone (CPU per call, and where it goes).
bench: setup
	$(ABIN)/python scripts/bench.py $(BENCH_ARGS)
	$(BIN)/python scripts/bench_memory.py
	$(BIN)/python scripts/bench_frames.py

# Re-records every cassette (tests/cassettes) against a local emulator, then replays them all as CI does.
CASSETTES := tests/cassettes
record: setup
	rm -f $(CASSETTES)/http/*.yaml $(CASSETTES)/websocket/*.jsonl
	$(BIN)/python scripts/record_websocket.py
	DAISYS_RECORD=emulator $(BIN)/python -m pytest -q $(CASSETTES)/test_http_*.py
	$(BIN)/python -m pytest -q $(CASSETTES)

# The same against the real service, for maintainers with an account (DAISYS_EMAIL, DAISYS_PASSWORD).
record-live: setup
	@test -n "$$DAISYS_EMAIL" && test -n "$$DAISYS_PASSWORD" || \
		{ echo "make record-live needs DAISYS_EMAIL and DAISYS_PASSWORD (a Daisys account) in the environment" >&2; exit 1; }
	rm -f $(CASSETTES)/http/*.yaml
	$(BIN)/python scripts/record_websocket.py --live
	DAISYS_RECORD=live $(BIN)/python -m pytest -q $(CASSETTES)/test_http_*.py
	$(BIN)/python -m pytest -q $(CASSETTES)

clean:
	rm -rf $(VENV) $(AVENV) .pytest_cache .mypy_cache .ruff_cache .hypothesis site
