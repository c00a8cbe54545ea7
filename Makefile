# Short names for the project's usual commands. `make` or `make help` lists them.
PYTHON ?= python3

.DEFAULT_GOAL := help
.PHONY: help install lint format typecheck check test test-fast validate docs bench ci

help: ## List the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  %-11s %s\n", $$1, $$2}'

install: ## Install the package and the test extras (editable)
	$(PYTHON) -m pip install -e '.[test]'

lint: ## ruff: lint and check formatting
	$(PYTHON) -m ruff check src tests benchmarks
	$(PYTHON) -m ruff format --check src tests benchmarks

format: ## ruff: fix what can be fixed, format the code
	$(PYTHON) -m ruff check --fix src tests benchmarks
	$(PYTHON) -m ruff format src tests benchmarks

typecheck: ## mypy on the package (configuration in pyproject.toml)
	$(PYTHON) -m mypy

check: lint typecheck ## lint, format check and types

test: ## The whole test suite (the README's command)
	$(PYTHON) -m pytest -q

test-fast: ## The suite without real processes, browsers or Jena
	$(PYTHON) -m pytest -q -m 'not slow and not browser and not jena'

validate: ## Validate the data against the shapes, after reasoning
	aifactories validate

docs: ## Regenerate docs/queries.md from the query headers
	aifactories queries --format markdown > docs/queries.md

bench: ## The speed benchmarks (benchmarks/README.md)
	$(PYTHON) benchmarks/run.py

ci: ## What CI runs (.ci/run): system packages, install, checks, tests
	.ci/run
