# Two commands: `make lab` (set up and open the first lesson), `make test` (set up and run every test).
PYTHON ?= python3
VENV   := .venv
PY     := $(VENV)/bin/python
ROOT   := $(if $(filter 0,$(shell id -u)),--allow-root,)
PORT   ?= 8888
APP_PORT ?= 8866

.PHONY: lab app answers test benchmark screenshots trained code-model clean

# A .venv that was moved, copied from elsewhere, or whose Python is gone is rebuilt, not half-used:
# its python must run, and its scripts must point at this folder's .venv.
VENV_BROKEN := $(shell [ -d $(VENV) ] && ! { $(PY) -c "" 2>/dev/null \
	&& head -1 $(VENV)/bin/pip 2>/dev/null | grep -qF "$(abspath $(VENV))/bin/python"; } && echo yes)
ifeq ($(VENV_BROKEN),yes)
$(info .venv does not work here (moved, copied, or its Python is gone): removing it to rebuild)
$(shell rm -rf $(VENV))
endif

$(PY):
	@$(PYTHON) -m venv $(VENV) || { rm -rf $(VENV); \
	  echo "Could not create $(VENV) with '$(PYTHON) -m venv'. On Debian or Ubuntu install the venv"; \
	  echo "module first: sudo apt-get install python3-venv   (then run make again)"; exit 1; }

# jupyter/overrides.json: this project's JupyterLab defaults (no news pop-up), in the venv, not in $$HOME
LAB_SETTINGS := $(VENV)/share/jupyter/lab/settings

$(VENV)/.runtime: requirements.txt pyproject.toml jupyter/overrides.json | $(PY)
	$(PY) -m pip install -q -r requirements.txt
	mkdir -p $(LAB_SETTINGS) && cp jupyter/overrides.json $(LAB_SETTINGS)/overrides.json
	touch $@

$(VENV)/.dev: requirements.txt requirements-dev.txt requirements-hub.txt pyproject.toml jupyter/overrides.json | $(PY)
	$(PY) -m pip install -q -r requirements-dev.txt
	mkdir -p $(LAB_SETTINGS) && cp jupyter/overrides.json $(LAB_SETTINGS)/overrides.json
	touch $(VENV)/.runtime $@

# tests/test_hub.py's JupyterHub needs its proxy, configurable-http-proxy, from npm: in the venv
HUB_PROXY := $(VENV)/node/node_modules/.bin/configurable-http-proxy
$(HUB_PROXY): | $(PY)
	@if command -v npm > /dev/null; then \
	  npm install --silent --no-audit --no-fund --prefix $(VENV)/node configurable-http-proxy@^5.3; \
	else echo "npm not found: the JupyterHub tests will be skipped (apt-get install npm to run them)"; fi

# optional: `make test WITH_TORCH=1` also installs PyTorch, so the tests compare against nn.LSTMCell live
$(VENV)/.interop: requirements-interop.txt | $(PY)
	$(PY) -m pip install -q -r requirements-interop.txt
	touch $@

lab: $(VENV)/.runtime
	$(VENV)/bin/jupyter lab --ip=127.0.0.1 --port=$(PORT) $(ROOT) --LabApp.default_url=/lab/tree/notebooks/01_forget_gate.ipynb

# voila.json (read from this folder) binds 127.0.0.1 and refuses requests for any other Host name;
# the template in jupyter/voila/templates/lstm is Voilà's lab template without its CDN icon fonts (offline)
# `make app CLASS=30`: for a class of 30, that many kernels of LESSON (the lesson 2 step-through unless
# LESSON= names another) are executed before the learners arrive (Voilà's kernel pool, refilled as
# they are taken); the other lessons start a kernel per learner as usual
CLASS  ?=
LESSON ?= 02_lstm_cell_step_through.ipynb
comma  := ,
POOL_CONFIG = {"default": {"pool_size": 0}$(comma) "$(LESSON)": {"pool_size": $(CLASS)}}
# A pooled kernel's idle time counts from when it executed the lesson, so the pool's kernels are
# culled after 10 min idle, not 90 s (a learner arriving on a busy machine must have time to connect);
# the pool is refilled an hour after a kernel is taken, not at once (30 executions at the moment 30
# learners arrive would starve them; latecomers get a kernel of their own as without a pool)
POOL    = $(if $(CLASS),--VoilaConfiguration.preheat_kernel=True \
	  '--VoilaKernelManager.kernel_pools_config=$(POOL_CONFIG)' \
	  --VoilaKernelManager.fill_delay=3600 --MappingKernelManager.cull_idle_timeout=600)

app: $(VENV)/.runtime
	JUPYTER_PATH=$(CURDIR)/jupyter $(VENV)/bin/voila notebooks --no-browser --port=$(APP_PORT) --template=lstm $(POOL)

# what the learners answered (a file per page in ~/.lstm_answers); ANSWERS="/home/*/.lstm_answers"
# reads every learner's on a hub
answers: $(VENV)/.runtime
	$(PY) scripts/answers.py $(ANSWERS)

# three workers on two cores (the browser tests wait on kernels and pages: a third worker fills
# those waits), handed one test at a time, longest first (tests/conftest.py orders them), so none
# ends alone with a long queue: 12.5 min here against 13.5 with two workers stealing chunks.
# One thread each for OpenBLAS and torch in the tests and the kernels they start: on a machine
# already busy, their threads spin against each other (lesson 7 executed with two cores taken:
# 55 s with their threads, 13 s with one)
test: $(VENV)/.dev $(HUB_PROXY) $(if $(WITH_TORCH),$(VENV)/.interop)
	OPENBLAS_NUM_THREADS=1 OMP_NUM_THREADS=1 MKL_NUM_THREADS=1 \
	  $(PY) -m pytest -n 3 --dist load --maxschedchunk 1 --durations=25

benchmark: $(VENV)/.dev
	$(PY) benchmarks/latency.py

screenshots: $(VENV)/.dev
	$(PY) tests/browser.py screenshots

# the trained models in data/ (the bracket counters of seeds 0-4 and the memory-task runs of
# lessons 4 and 6: about 50 s on 2 cores)
trained: $(VENV)/.runtime
	$(PY) -c "import lstm_lessons as L; print(L.save_bracket_counters(), L.save_memory_runs())"

# the character model of Python code in data/code_model.npz (PyTorch trains it: about 6 min on 2 cores)
code-model: $(VENV)/.runtime $(VENV)/.interop
	$(PY) scripts/train_code_model.py

clean:
	rm -rf $(VENV) .pytest_cache .hypothesis
