# The verbs a newcomer needs. Run `make help` for the list.
#
# Owns: the commands below. Does not own: what they run (cargo, scripts/, .ci/run).

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
.DEFAULT_GOAL := help

CARGO ?= cargo

# Debian packages the tests and the benchmark use: redis-server (side-by-side checks) and
# redis-tools (redis-cli, redis-benchmark, redis-check-aof).
APT_PACKAGES := redis-server redis-tools

.PHONY: help build run stop test bench lint clean deps deps-apt deps-python

help:
	@echo "make run    build, start 3 masters + 3 replicas on 127.0.0.1:7000-7005 that form a cluster by themselves"
	@echo "make stop   stop them"
	@echo "make test   install what the tests need, build the server, run every test"
	@echo "make bench  tessera-server against Debian's redis-server, side by side (scripts/bench*.sh)"
	@echo "make lint   rustfmt check and clippy with warnings as errors"
	@echo "make build  release build of tessera-server (target/release/tessera-server)"
	@echo "make deps   install what is missing: Debian's $(APT_PACKAGES), Python's redis"
	@echo "make clean  stop the nodes, remove run/ and cargo's target/"

build:
	$(CARGO) build --release -p tessera-node

run: deps build
	@scripts/dev-node.sh start

stop:
	@scripts/dev-node.sh stop

test: deps
	$(CARGO) build -p tessera-node
	$(CARGO) test --workspace

bench: deps
	@scripts/bench.sh
	@scripts/bench-persistence.sh
	@scripts/bench-replication.sh

lint:
	$(CARGO) fmt --all -- --check
	$(CARGO) clippy --workspace --all-targets -- -D warnings

clean: stop
	rm -rf run
	$(CARGO) clean

# Installs only what is missing; `apt-get update` runs once, and only then. Python's redis
# package (redis-py) drives the client-library black-box tests.
deps: deps-apt deps-python

deps-python:
	@python3 -c 'import redis' 2>/dev/null || { \
	  echo "make deps: installing redis-py"; \
	  python3 -m pip install --quiet --disable-pip-version-check redis </dev/null; }

deps-apt:
	@missing=""; \
	for pkg in $(APT_PACKAGES); do \
	  status="$$(dpkg-query -W -f='$${Status}' "$$pkg" 2>/dev/null || true)"; \
	  [ "$$status" = "install ok installed" ] || missing="$$missing $$pkg"; \
	done; \
	if [ -z "$$missing" ]; then exit 0; fi; \
	if [ "$$(id -u)" -eq 0 ]; then sudo=""; \
	elif command -v sudo >/dev/null; then sudo="sudo"; \
	else echo "make deps: need root or sudo to install:$$missing" >&2; exit 1; fi; \
	echo "make deps: installing$$missing"; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get -qq update </dev/null >/dev/null; \
	$$sudo env DEBIAN_FRONTEND=noninteractive apt-get -qq install -y --no-install-recommends \
	  $$missing </dev/null >/dev/null
