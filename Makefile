# cognito-verify: one entry point for building, running and testing everything.
#   make demo   the GoBlitz flow end to end against a local Cognito (moto)
#   make test   every test (what CI runs)
#   make help   the other targets

SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
CARGO ?= cargo
VENV := .venv
PY := $(VENV)/bin/python
EMBEDDED_TARGET := thumbv7em-none-eabihf
CARGO_FUZZ_VERSION := 0.13.2
FUZZ_SECONDS ?= 15

.PHONY: msrv run demo load bench wasm test-wasm test-browser test-c bench-c test-cloud help test test-rust lint fmt-check clippy doc test-embedded test-fuzz fuzz testdata \
	venv tools-rust test-python bench-python

.DEFAULT_GOAL := run

help:
	@echo "make           run the server (cargo run --example server), configured by .env"
	@echo "make demo      run the GoBlitz flow against a local Cognito (moto)"
	@echo "make load      requests/s of the authenticated route beside /healthz of the same server (wrk)"
	@echo "make test      run every test (what CI runs)"
	@echo "make test-browser  the server's web pages in headless Chromium (screenshots in target/browser-test)"
	@echo "make testdata  regenerate testdata/ vectors"
	@echo "make fuzz      fuzz each target for FUZZ_SECONDS (default 15; try 600)"
	@echo "make bench     criterion benchmarks beside the alternatives"
	@echo "make wasm      build the npm package into wasm/pkg"
	@echo "make test-python  build the Python wheel, install it into a fresh venv, run pytest"

# ---------------------------------------------------------------- run
# The server, configured from the environment or .env (see .env.example).
run:
	$(CARGO) run --example server

# The whole flow against a local Cognito (moto on 127.0.0.1): provision, serve, fetch, call.
demo:
	bash scripts/demo.sh

# Requests/s and p99 of /api/v1/ping (one token, 1,000 tokens, all new, no cache) beside /healthz (wrk, loopback).
load:
	bash scripts/load.sh

# Criterion, ours beside jsonwebtoken (aws-lc-rs), jwt-simple (BoringSSL), jwt-compact, rsa.
bench:
	bash scripts/ensure_bench_tools.sh
	$(CARGO) bench -p cognito-verify-benches

# ---------------------------------------------------------------- setup
venv: $(VENV)/.stamp-testdata
$(VENV)/.stamp-testdata: testdata/requirements.txt
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q -r testdata/requirements.txt
	touch $@

tools-rust:
	@rustup target list --installed | grep -qx $(EMBEDDED_TARGET) || rustup target add $(EMBEDDED_TARGET)
	@rustup toolchain list | grep -q '^nightly' || rustup toolchain install nightly --profile minimal
	@cargo fuzz --version 2>/dev/null | grep -q $(CARGO_FUZZ_VERSION) || \
		$(CARGO) install cargo-fuzz --version $(CARGO_FUZZ_VERSION) --locked

# ---------------------------------------------------------------- tests
test: lint test-rust test-browser test-c test-wasm test-python test-embedded test-cloud test-fuzz
	@echo "make test: all passed"

lint: fmt-check clippy doc

fmt-check:
	$(CARGO) fmt --all -- --check

# The benches build aws-lc and BoringSSL for the peers: `make bench` only.
NOBENCH := --workspace --exclude cognito-verify-benches
# The tower layer's axum extractors and their tests (otherwise on only through the examples).
TOWER := --features cognito-verify-tower/axum

clippy:
	$(CARGO) clippy $(NOBENCH) $(TOWER) --all-targets -- -D warnings
	$(CARGO) clippy -p cognito-verify-tower --all-targets -- -D warnings
	$(CARGO) clippy -p cognito-verify --no-default-features -- -D warnings

# Every feature of the two published Rust crates too (their docs.rs builds are all-features).
doc:
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc $(NOBENCH) $(TOWER) --no-deps
	RUSTDOCFLAGS="-D warnings" $(CARGO) doc -p cognito-verify -p cognito-verify-tower --all-features --no-deps

# E2E_REQUIRE_MOTO: the end-to-end tests fail, rather than skip, without the moto server or
# redis-server (the replica test starts its own on 127.0.0.1 and stops it).
test-rust:
	bash scripts/ensure_venv.sh
	bash scripts/ensure_redis.sh
	E2E_REQUIRE_MOTO=1 $(CARGO) test $(NOBENCH) $(TOWER)
	$(CARGO) test -p cognito-verify --no-default-features --lib
	CARGO_TARGET_DIR=$${CARGO_TARGET_DIR:-$(CURDIR)/target} $(CARGO) test --manifest-path tests/alloc_only/Cargo.toml

# The server's web pages in Debian's headless Chromium (playwright-core, pinned) against a stand-in
# Hosted UI, at localhost and 127.0.0.1: sign-in, sign-out, revoked tokens, a cross-site sign-out
# refused. Screenshots of each step under $${CARGO_TARGET_DIR:-target}/browser-test/.
test-browser:
	CARGO_FLAGS="$(NOBENCH) $(TOWER)" bash examples/browser/run.sh

# The C ABI from C and C++: vectors, ASan+UBSan, valgrind, threads, hostile calls, header drift.
test-c:
	bash tests/c/run.sh

bench-c:
	bash tests/c/bench.sh

# The npm package (wasm/pkg): browsers, Node, Cloudflare Workers.
wasm:
	bash wasm/build.sh

# Node test runner over the vectors, aws-jwt-verify differential, workerd, headless Chromium.
test-wasm:
	bash wasm/test.sh

# The Python wheel (python/): built with maturin, installed into a fresh venv, pytest there
# (the shared vectors, 8 threads, moto end to end, the FastAPI, Flask and Lambda examples).
test-python:
	bash python/test.sh

# tokens/s beside PyJWT (not a test; after test-python, which builds the venv it runs in).
bench-python:
	target/python-test/venv/bin/python -I python/bench.py

# Firmware with no allocator on an emulated Cortex-M4F (QEMU): a real token, a tampered one,
# flash size and stack peak.
test-embedded:
	bash embedded/run.sh

test-fuzz: tools-rust
	cd fuzz && for t in $$($(CARGO) +nightly fuzz list); do \
		mkdir -p corpus/$$t; \
		$(CARGO) +nightly fuzz run $$t corpus/$$t seeds/$$t -- -max_total_time=$(FUZZ_SECONDS) \
			-rss_limit_mb=2048 2>&1 | tail -n 2; \
	done

fuzz: FUZZ_SECONDS = 600
fuzz: test-fuzz

# Terraform cannot reach its registry here: parse with python-hcl2, assert the pieces, run checkov.
test-cloud:
	bash cloud/check.sh

# The declared rust-version, for the core without `fetch` (reqwest's dependencies need newer Rust):
# a copy of the tree with a lockfile resolved for that version.
MSRV := $(shell sed -n 's/^rust-version = "\(.*\)"/\1/p' Cargo.toml)
msrv:
	@rustup toolchain list | grep -q "^$(MSRV)" || rustup toolchain install $(MSRV) --profile minimal
	rm -rf target/msrv-tree && mkdir -p target/msrv-tree && git archive HEAD | tar -x -C target/msrv-tree
	cd target/msrv-tree && rm -f Cargo.lock && sed -i 's/^members = .*/members = ["core"]/' Cargo.toml && \
		CARGO_RESOLVER_INCOMPATIBLE_RUST_VERSIONS=fallback $(CARGO) generate-lockfile && \
		CARGO_TARGET_DIR=../msrv $(CARGO) +$(MSRV) check -p cognito-verify --features std,es256

testdata: venv
	$(PY) testdata/generate.py
