PYTHON ?= python3.11
VENV ?= .venv
BIN := $(VENV)/bin

.PHONY: setup demo test bench clean

$(BIN)/scalinglab: pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/pip install --quiet --upgrade pip
	$(BIN)/pip install --quiet torch==2.13.0
	$(BIN)/pip install --quiet -e '.[all]'
	touch $(BIN)/scalinglab

setup: $(BIN)/scalinglab

demo: setup
	$(BIN)/scalinglab demo --out out

test: setup
	$(BIN)/python -m pytest -n 2 -q

bench: setup
	$(BIN)/python benchmarks/run.py

clean:
	rm -rf $(VENV) out
