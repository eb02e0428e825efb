# VAE 강의 · two commands on a fresh machine:  make book   and   make test
PYTHON ?= python3
VENV := .venv
BIN := $(VENV)/bin
MATHJAX_VERSION := 3.2.2
SUDO := $(shell [ "$$(id -u)" -eq 0 ] || echo sudo)

.PHONY: book test venv vendor browser notebooks pretrained best-model student grade lint compat bench clean

book: venv vendor  ## build the book into _build/html
	$(BIN)/jupyter-book build . -W -n --keep-going

test: venv vendor browser  ## unit tests, nbval on every notebook, the book build, browser checks
	$(BIN)/python -m pytest

venv: $(VENV)/.installed

$(VENV)/.installed: requirements.txt pyproject.toml
	$(PYTHON) -m venv $(VENV)
	$(BIN)/python -m pip install --quiet --upgrade pip
	$(BIN)/python -m pip install --quiet -r requirements.txt
	$(BIN)/python -m pip install --quiet --no-deps -e .
	touch $@

vendor: _vendor/mathjax/es5/tex-mml-chtml.js  ## MathJax from the npm registry, served by the site itself

_vendor/mathjax/es5/tex-mml-chtml.js:
	rm -rf _vendor/mathjax _vendor/package && mkdir -p _vendor
	cd _vendor && npm pack --silent mathjax@$(MATHJAX_VERSION) >/dev/null \
	  && tar xzf mathjax-$(MATHJAX_VERSION).tgz && mv package mathjax && rm mathjax-$(MATHJAX_VERSION).tgz

browser:  ## headless Chromium and its driver (Debian packages) for the browser tests
	@command -v chromium >/dev/null && command -v chromedriver >/dev/null || \
	  { $(SUDO) apt-get update -qq && $(SUDO) env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium chromium-driver; }

notebooks: venv  ## re-execute every notebook in place (authors: do this before committing a chapter)
	$(BIN)/python tools/execute_notebooks.py

pretrained: venv  ## retrain the package's 2-D VAEs (one per β) for the widgets and the latent explorer; needs full MNIST
	$(BIN)/python -m vae_course.pretrained

best-model: venv  ## retrain the course's best model (IWAE k = 5, 800 epochs, about 70 min on 2 CPU cores); needs full MNIST
	$(BIN)/python -m vae_course.best_model

student: venv  ## the student edition: notebooks without solutions or outputs, in student/
	$(BIN)/python -m vae_course.student notebooks student

grade: venv  ## grade the notebooks in SUBMISSIONS=folder into grades.csv
	$(BIN)/python -m vae_course.grade $(SUBMISSIONS) --out grades.csv

lint: venv  ## the bilingual lint over every notebook and book page
	$(BIN)/python -m pytest tests/test_bilingual.py -q

# Portability: the built wheel in a fresh venv on another Python with an older torch, unit tests only.
COMPAT_PYTHON ?= python3.10
COMPAT_TORCH ?= torch==2.9.1 torchvision==0.24.1
COMPAT := build/compat
UNIT_TESTS := $(filter-out tests/test_book.py tests/test_bilingual.py tests/test_exercises.py tests/test_offline.py tests/test_publish.py,$(wildcard tests/test_*.py))

compat:  ## wheel + fresh venv ($(COMPAT_PYTHON), $(COMPAT_TORCH)) + the unit tests
	rm -rf $(COMPAT) && mkdir -p $(COMPAT)
	$(PYTHON) -m pip wheel --quiet --no-deps --wheel-dir $(COMPAT) .
	$(COMPAT_PYTHON) -m venv $(COMPAT)/venv
	$(COMPAT)/venv/bin/python -m pip install --quiet $(COMPAT_TORCH) pytest "$$(ls $(COMPAT)/vae_course-*.whl)[offline,grading]"
	mkdir -p $(COMPAT)/tests && cp $(UNIT_TESTS) tests/conftest.py $(COMPAT)/tests/
	printf '[pytest]\n' > $(COMPAT)/pytest.ini  # not the repository's config (nbval, notebooks)
	cd $(COMPAT) && venv/bin/python -c "import torch, vae_course; print('torch', torch.__version__, 'vae_course from', vae_course.__file__)" \
	  && venv/bin/python -m pytest -q -p no:cacheprovider tests

bench: venv  ## fit vs the classic DataLoader loop and the best plain loop (bench/results.md); where an epoch goes (bench/epoch_profile.md, .png)
	$(BIN)/python bench/speed.py --out bench/results.md
	$(BIN)/python bench/epoch_profile.py --out bench/epoch_profile

clean:
	rm -rf _build

# Publishing (README: "Publishing"). The repository's URL lives in _config.yml (repository.url) alone.
.PHONY: repo-url dist

repo-url: venv  ## URL=https://github.com/OWNER/NAME: set the repository everywhere; without URL: re-sync the Colab cells to __version__
	$(BIN)/python tools/repo_url.py $(URL)

dist: venv  ## the sdist and wheel that the release workflow publishes, into dist/, checked by twine
	rm -rf dist && $(BIN)/python -m build --outdir dist . && $(BIN)/twine check --strict dist/*
