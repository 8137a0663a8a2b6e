# The book in two commands, each of which sets everything up first on a fresh machine:
#   make book   build the HTML book into _build/html (from the stored, verified outputs)
#   make test   run the unit tests and every notebook under strict nbval
#   make pdf    build the HTML book, then print it into one PDF, _build/pdf/dnnbook.pdf
# and, for authors:
#   make execute [NB=chapters/tensors.ipynb]   re-execute notebooks in place, saving outputs
#   make lab                                      open the chapters in JupyterLab
#   make test-gpu                                 `make test` with every notebook on CUDA
#   make test-compat                              the oldest torch and torchvision pyproject.toml allows

PYTHON ?= python3
VENV ?= .venv
BIN := $(VENV)/bin
STAMP := $(VENV)/.dnnbook-installed
NB ?= $(sort $(wildcard chapters/*.ipynb))
DEBIAN_FASHION_MNIST := /usr/share/datasets/fashion-mnist

.PHONY: setup system data book pdf test test-gpu test-compat execute lab clean

setup: $(STAMP) data

# The virtual environment, rebuilt whenever the pins or the package metadata change.
$(STAMP): requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install -r requirements.txt
	$(BIN)/python -m pip install --no-deps -e .
	touch $@

# System packages, from Debian when we are root on a Debian-like machine: Fashion-MNIST (unless
# it is already cached) and Chromium for the browser test of the HTML book. Elsewhere this says what
# to install; without the Debian package the data comes from torchvision's download instead.
system: $(STAMP)
	@missing=""; \
	if [ ! -d $(DEBIAN_FASHION_MNIST) ] && ! $(BIN)/python -m dnnbook --offline >/dev/null 2>&1; then \
	  missing="dataset-fashion-mnist"; fi; \
	command -v chromium >/dev/null || missing="$$missing chromium"; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	  echo "Installing Debian packages:$$missing"; \
	  apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; \
	else \
	  echo "Missing system packages:$$missing. On Debian or Ubuntu: sudo apt-get install$$missing"; \
	fi

# Fashion-MNIST, verified (and downloaded through torchvision if no copy is on this machine);
# `python -m dnnbook` says exactly what to do when that fails.
data: system
	$(BIN)/python -m dnnbook

book: setup
	rm -rf _build/html
	$(BIN)/jupyter-book build . --warningiserror --keep-going

# The PDF edition: the built pages printed by Chromium (`make system` installs it) and joined;
# tools/pdf.py says how, and why this route rather than LaTeX.
pdf: book
	$(BIN)/python tools/pdf.py _build/html _build/pdf/dnnbook.pdf

test: setup
	$(BIN)/python -m pytest tests chapters --nbval

# The same suite with the GPU selected: chapters pick their device through dnnbook.get_device(),
# which fails clearly if CUDA is not there; tests/nbval_sanitize.cfg makes the CPU-stored outputs
# compare equal to CUDA runs.
test-gpu: setup
	DNNBOOK_DEVICE=cuda $(BIN)/python -m pytest tests chapters --nbval

# The oldest PyTorch the package promises to work with (pyproject.toml's lower bounds), in a second
# environment, with the NumPy it was built against, and the test tools (and scikit-learn, whose
# bundled digits a chapter reads) pinned in requirements.txt.
# dnnbook is then installed the way the chapters' Colab cell installs it: as a package, with its
# dependencies, into a Python whose torch pip must keep. Outputs legitimately differ between
# versions, so the notebooks run under --nbval-lax: every cell runs and every assert must hold.
COMPAT := .venv-compat
COMPAT_STAMP := $(COMPAT)/.dnnbook-installed
LOWEST := torch==2.3.0 torchvision==0.18.0 numpy==1.26.4
TEST_TOOLS := $(shell grep -E '^(pytest|nbval|ipykernel|nbformat|nbclient|PyYAML|docutils|scikit-learn|scipy|joblib|threadpoolctl)==' requirements.txt)
# tests/test_install.py builds a wheel with the environment's own setuptools (>= 77, pyproject.toml).
BUILD_TOOLS := setuptools==84.2.1

$(COMPAT_STAMP): requirements.txt pyproject.toml
	rm -rf $(COMPAT)
	$(PYTHON) -m venv $(COMPAT)
	$(COMPAT)/bin/python -m pip install $(LOWEST) $(TEST_TOOLS) $(BUILD_TOOLS)
	$(COMPAT)/bin/python -m pip install .
	$(COMPAT)/bin/python -c "import torch, torchvision; v = (torch.__version__, torchvision.__version__); \
	  assert v[0].startswith('2.3.0') and v[1].startswith('0.18.0'), f'pip replaced the oldest torch: {v}'"
	touch $@

# The unit tests of the package, then every chapter. The tests of the book's build, browser, prose
# and spelling check tools pinned in requirements.txt, not PyTorch, and stay with `make test`;
# tests/test_install.py's Colab-style install is what the set-up above just did, with this torch.
test-compat: $(COMPAT_STAMP) data
	# This checkout's dnnbook, freshly: the one installed with the environment may be older.
	$(COMPAT)/bin/python -m pip install -q --no-deps --no-build-isolation --force-reinstall .
	$(COMPAT)/bin/pytest tests --ignore=tests/test_book.py --ignore=tests/test_spelling.py \
	  --ignore=tests/test_prose.py --ignore=tests/test_install.py
	$(COMPAT)/bin/pytest --nbval-lax chapters

execute: setup
	$(BIN)/python tools/execute.py $(NB)

lab: setup
	$(BIN)/jupyter lab chapters

clean:
	rm -rf _build .pytest_cache
