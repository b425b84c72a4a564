# MijnOverheid back end. `make help` lists the targets.
SHELL := /bin/bash
.DEFAULT_GOAL := help

# uv as a Python module: found wherever pip put it (user or system site-packages).
UV := python3 -m uv
PY := .venv/bin/python
STACK_ENV = eval "$$(scripts/local-stack.sh env)"
PACKAGES := -p mijnoverheid -p berichtenbox -p zaken -p gegevens -p notifier \
	-p digid_mock -p portal -p zgw_connector -p mijnoverheid_testing -p mijnoverheid_devtools

.PHONY: help sync assets browser stack stack-down run demo screenshots test lint typecheck unit integration asyncapi bench seed chaos

help: ## Show the targets
	@grep -E '^[a-z-]+:.*## ' $(MAKEFILE_LIST) | awk -F':.*## ' '{printf "  make %-12s %s\n", $$1, $$2}'

.venv/.synced: uv.lock pyproject.toml shared/pyproject.toml services/*/pyproject.toml \
		testing/pyproject.toml devtools/pyproject.toml
	@$(UV) --version >/dev/null 2>&1 || python3 -m pip install --quiet uv \
		|| python3 -m pip install --quiet --user uv \
		|| python3 -m pip install --quiet --user --break-system-packages uv
	$(UV) sync --frozen --all-packages
	touch $@

sync: .venv/.synced ## Install the locked Python dependencies into .venv

# The NL Design System CSS the portal serves and axe-core for the browser tests, from the lock.
node_modules/.package-lock.json: package.json package-lock.json
	npm ci --ignore-scripts --no-audit --no-fund
	touch $@

assets: node_modules/.package-lock.json ## Install the locked npm packages (portal CSS, axe-core)

browser: assets ## Install headless Chromium and its driver from Debian's packages
	scripts/install-browser.sh

stack: sync ## Install (if needed) and start RabbitMQ and FerretDB, provisioned
	scripts/local-stack.sh up

stack-down: ## Stop FerretDB and RabbitMQ
	scripts/local-stack.sh down

TLS ?= yes
run: sync assets ## Run the local stack, mail sink, services, DigiD mock and portal (TLS=no: plain)
	LOCAL_TLS=$(TLS) scripts/run.sh

demo: sync ## Demo citizens log in and consent through the portal, two organisations publish (needs `make run`)
	$(PY) scripts/demo.py

# The demo's own test (its processes on a vhost and databases of their own, like every browser
# test), keeping a PNG of each main page for the documentation.
screenshots: stack browser ## Write docs/portal/*.png: the portal's main pages with the demo's data
	$(STACK_ENV) && DOCS_SCREENSHOTS=docs/portal $(PY) -m pytest -q -p no:cacheprovider \
		services/portal/tests/browser/test_portal_demo.py

lint: sync ## ruff lint and format check, and the import rules of the architecture
	.venv/bin/ruff check .
	.venv/bin/ruff format --check .
	.venv/bin/lint-imports

typecheck: sync ## mypy (strict on shared/ and domain code)
	.venv/bin/mypy $(PACKAGES)
	.venv/bin/mypy benchmarks

unit: sync ## Fast tests only (no broker, database or SMTP)
	$(PY) -m pytest -m "not integration" -q

test: lint typecheck stack browser ## Everything: lint, types, unit, integration and end-to-end tests
	$(STACK_ENV) && $(PY) -m pytest -q

asyncapi: sync ## Regenerate the AsyncAPI documents in docs/asyncapi/
	$(PY) -m mijnoverheid_devtools.asyncapi --out docs/asyncapi

# make seed N=1000000 [SEED_URL=mongodb://…]: without SEED_URL, our own seeded instance
# (scripts/seeded-store.sh), never the local stack's store.
seed: sync ## Fill a store the way production data looks (N messages, default 1,000,000)
	@if [ -z "$(SEED_URL)" ]; then scripts/seeded-store.sh up; fi
	$(PY) -m benchmarks.seed --n $(or $(N),1000000) \
		$(if $(SEED_URL),--url "$(SEED_URL)",--url "$$(scripts/seeded-store.sh url)" \
		--postgres "$$(scripts/seeded-store.sh postgres)")

# make bench [N=3000] [SIZES=100000,1000000]: the scenarios on the local stack, the reads on
# the seeded instance (seeded up to each size first); figures and plots to docs/performance/.
SIZES ?= 100000,1000000
bench: stack ## Benchmarks: ingest, end to end, raw denominators, reads at each store size, plots
	scripts/seeded-store.sh up
	$(STACK_ENV) && $(PY) -m benchmarks --n $(or $(N),3000) --sizes $(SIZES) \
		--reads "$$(scripts/seeded-store.sh url)" --postgres "$$(scripts/seeded-store.sh postgres)" \
		--figures .local/bench.json --plots docs/performance

CHAOS_N = $(or $(N),10000)
SEED ?= 1
# CLUSTER=3: on a three-node RabbitMQ cluster of its own, with node kills and a rolling restart;
# its table goes to docs/reliability-cluster.md.
CLUSTER ?= 1
CHAOS_OUT = $(if $(filter 3,$(CLUSTER)),docs/reliability-cluster.md,docs/reliability.md)
CHAOS_AS = make chaos$(if $(filter 3,$(CLUSTER)), CLUSTER=3) N=$(CHAOS_N) SEED=$(SEED)
chaos: sync ## The whole platform under a seeded fault schedule, audited (N=10000 SEED=1 CLUSTER=1|3): docs/reliability.md
	scripts/local-stack.sh install
	$(PY) -m mijnoverheid_testing.chaos --n $(CHAOS_N) --seed $(SEED) --cluster $(CLUSTER) \
		--out $(CHAOS_OUT) --command "$(CHAOS_AS)"
