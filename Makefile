# Two commands a newcomer needs:  `make run`  and  `make test`.
SHELL := /bin/bash
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
HOST ?= 127.0.0.1
PORT ?= 8000

.PHONY: run test lint check system-deps bench clean steady

$(BIN)/.installed: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet -e '.[dev]'
	touch $@

run: $(BIN)/.installed  ## install and serve the playground on http://127.0.0.1:8000
	$(BIN)/nn-playground --host $(HOST) --port $(PORT)

# Debian packages the test suite drives for real: Chromium for the page (and a CJK font, so
# its Korean screenshots show Hangul, not boxes), podman for the image.
system-deps:
	@need=""; \
	command -v chromium >/dev/null || need="$$need chromium"; \
	[ -f /usr/share/fonts/opentype/noto/NotoSansCJK-Regular.ttc ] || need="$$need fonts-noto-cjk"; \
	command -v podman >/dev/null || need="$$need podman runc"; \
	[ -x /usr/libexec/podman/catatonit ] || need="$$need catatonit"; \
	command -v debootstrap >/dev/null || need="$$need debootstrap"; \
	if [ -n "$$need" ]; then \
	  echo "installing:$$need"; \
	  apt-get update -q && DEBIAN_FRONTEND=noninteractive apt-get install -y -q --no-install-recommends $$need; \
	fi

lint: $(BIN)/.installed
	$(BIN)/ruff check app tests bench examples
	$(BIN)/ruff format --check app tests bench examples
	$(BIN)/mypy

test: $(BIN)/.installed system-deps lint  ## install everything and run the whole suite
	$(BIN)/pytest

# The suite less the browser and image tests, 5 times as it is and 5 times squeezed onto one
# core that a busy loop shares: no outcome may depend on how fast the machine is.
FAST_TESTS := $(BIN)/pytest -q -p no:cacheprovider tests --ignore=tests/e2e --ignore=tests/docker
steady: $(BIN)/.installed
	for i in 1 2 3 4 5; do $(FAST_TESTS) || exit 1; done
	taskset -c 0 $(BIN)/python -c "while True: pass" & busy=$$!; \
	for i in 1 2 3 4 5; do taskset -c 0 $(FAST_TESTS) || { kill $$busy; exit 1; }; done; \
	kill $$busy

bench: $(BIN)/.installed
	$(BIN)/python bench/bench_engine.py
	$(BIN)/python bench/bench_sweep.py
	$(BIN)/python bench/bench_stream.py
	$(BIN)/python bench/bench_page.py

clean:
	rm -rf $(VENV) artifacts .pytest_cache .mypy_cache .ruff_cache
