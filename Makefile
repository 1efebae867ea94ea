# Two commands: `make lab` (set up and open the first lesson), `make test` (set up and run every test).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
ROOT   := $(if $(filter 0,$(shell id -u)),--allow-root,)
PORT   ?= 8888
APP_PORT ?= 8866

.PHONY: lab app test benchmark screenshots clean

$(PY):
	$(PYTHON) -m venv $(VENV)

$(VENV)/.runtime: requirements.txt | $(PY)
	$(PY) -m pip install -q -r requirements.txt
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt | $(PY)
	$(PY) -m pip install -q -r requirements-dev.txt
	touch $(VENV)/.runtime $@

# optional: `make test WITH_TORCH=1` also installs PyTorch, so the tests compare against nn.LSTMCell live
$(VENV)/.interop: requirements-interop.txt | $(PY)
	$(PY) -m pip install -q -r requirements-interop.txt
	touch $@

lab: $(VENV)/.runtime
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 --port=$(PORT) $(ROOT) --LabApp.default_url=/lab/tree/notebooks/01_forget_gate.ipynb

app: $(VENV)/.runtime
	$(VENV)/bin/voila notebooks --no-browser --Voila.ip=127.0.0.1 --port=$(APP_PORT)

test: $(VENV)/.dev $(if $(WITH_TORCH),$(VENV)/.interop)
	$(PY) -m pytest

benchmark: $(VENV)/.dev
	$(PY) benchmarks/latency.py

screenshots: $(VENV)/.dev
	$(PY) tests/browser.py screenshots

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
