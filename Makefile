# The two set-up commands: `make demo` runs the platform, `make test` runs every test.
SHELL := /bin/bash
UV := $(shell command -v uv 2>/dev/null || echo "$(HOME)/.local/bin/uv")
PYTEST_ARGS ?=
export XINYONG_DATA_DIR ?= ./var

.PHONY: demo test lint format bootstrap system-packages bench-quick

bootstrap:
	@command -v uv >/dev/null 2>&1 || python3 -m pip install --quiet --user uv || python3 -m pip install --quiet uv
	@$$(command -v uv || echo $(HOME)/.local/bin/uv) sync --locked --quiet

system-packages:
	@bash scripts/ensure-system-packages.sh

demo: bootstrap
	@$$(command -v uv || echo $(HOME)/.local/bin/uv) run xinyong demo

# Bytecode caching on for the suite even where the environment turns it off
# (PYTHONDONTWRITEBYTECODE): without it every worker and subprocess compiles the whole
# dependency tree again and pytest re-rewrites every test module, about half of each
# process's start-up.
test: bootstrap system-packages
	@uv=$$(command -v uv || echo $(HOME)/.local/bin/uv); \
	env -u PYTHONDONTWRITEBYTECODE $$uv run pytest -n 2 --dist loadgroup $(PYTEST_ARGS); rc=$$?; \
	if [ $$rc -eq 5 ]; then echo "pytest collected no tests"; rc=1; fi; exit $$rc

lint: bootstrap
	@uv=$$(command -v uv || echo $(HOME)/.local/bin/uv); \
	$$uv run ruff check . && $$uv run ruff format --check . && $$uv run mypy && $$uv run lint-imports

format: bootstrap
	@uv=$$(command -v uv || echo $(HOME)/.local/bin/uv); $$uv run ruff format . && $$uv run ruff check --fix .

bench-quick: bootstrap
	@uv=$$(command -v uv || echo $(HOME)/.local/bin/uv); for b in bench/*.py; do \
	  case $$b in *columnar_probe*) extra="--with polars";; *) extra="";; esac; \
	  $$uv run $$extra python $$b --quick || exit 1; done

# Page translations: extract messages, update zh_Hans, regenerate zh_Hant (scripts/i18n.py).
.PHONY: i18n
i18n: bootstrap
	@uv=$$(command -v uv || echo $(HOME)/.local/bin/uv); $$uv run python scripts/i18n.py
