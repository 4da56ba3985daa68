# MailTLS. The two commands that matter:
#   make run    set up, build and serve the page and API on http://127.0.0.1:$(PORT)
#   make test   set up and run every check and test
SHELL := /bin/bash
.SHELLFLAGS := -eu -o pipefail -c
PORT ?= 8080
# Tools installed by scripts/setup.sh: cargo's bin dir and binaryen's wasm-opt from npm.
export PATH := $(CURDIR)/tools/npm/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
CARGO := cargo
WASM := --target wasm32-unknown-unknown

.PHONY: run test test-tools test-page test-native native-build setup setup-test dist release lint unit-test e2e-test wasm-test size bench crosscheck fuzz container-test clean

run: setup dist release
	@echo "Starting MailTLS on http://127.0.0.1:$(PORT)/"
	target/release/probe-api serve --bind 127.0.0.1:$(PORT) --dist dist

# Work side by side, since each line leaves a core idle at times (cargo's link steps, wasm-opt's
# single thread, apt's downloads): the tool builds (trunk, wasm-bindgen-cli: minutes, once per
# machine), then the page and the browser tests' wasm; the test packages; the lint and the
# native build of every binary and test. Their cargo runs share no lock: the page builds in
# target/wasm-small, the browser tests in target/wasm-test (a profile of its own for that), the
# rest in target/debug. The tests run once all are built.
test:
	scripts/setup.sh base
	$(MAKE) --no-print-directory -j3 test-page test-native
	$(MAKE) --no-print-directory -j1 unit-test e2e-test wasm-test size
	@echo "make test: all checks passed"

test-tools:
	scripts/setup.sh tools

# The page needs the tools, and brotli from the test packages (precompress.sh).
test-page: test-tools setup-test
	$(MAKE) --no-print-directory -j1 dist
	$(CARGO) test -p frontend --locked $(WASM) --profile wasm-test --test browser --no-run

test-native:
	$(MAKE) --no-print-directory -j1 lint native-build

# Every native binary and test of the workspace in one cargo run (the most parallel build);
# the tests below then only run. Native builds always select the whole workspace with its
# tests: cargo unifies dependencies' features over the selected packages and, with tests, their
# dev-dependencies, and another selection (`-p tests`, `--exclude tests`, `--bins` alone) would
# build dozens of dependencies a second time (59 and 21 crates, measured).
native-build:
	$(CARGO) build --workspace --lib --bins --tests --locked

setup:
	scripts/setup.sh

setup-test:
	scripts/setup-test.sh

# The page, once per language with only that language's texts (German in dist/, English in
# dist/en/, served under /en/; probe-api hands each visitor their language's build),
# size-optimised (profile wasm-small + wasm-opt), its JS glue minified, the wasm's import names
# shortened and the head in the build's language (scripts/finish-page.mjs), pre-compressed.
dist: setup
	trunk build --release --no-default-features --features de
	trunk build --release --no-default-features --features en --dist dist/en --public-url /en/
	node scripts/finish-page.mjs dist de
	node scripts/finish-page.mjs dist/en en
	scripts/precompress.sh dist
	scripts/precompress.sh dist/en

release:
	$(CARGO) build --release --locked -p probe-api

lint:
	$(CARGO) fmt --all --check
	$(CARGO) clippy --workspace --all-targets --locked -- -D warnings
	$(CARGO) clippy -p mailtls-shared -p frontend --all-targets --locked $(WASM) -- -D warnings
	# The shipped page is one build per language (see dist): each without warnings too.
	$(CARGO) clippy -p frontend --all-targets --locked $(WASM) --no-default-features --features de -- -D warnings
	$(CARGO) clippy -p frontend --all-targets --locked $(WASM) --no-default-features --features en -- -D warnings
	# The fuzz crate is its own workspace; checked in the main target directory it reuses the
	# dependencies clippy just checked (243 of its 295 crates: 32 s after a fresh clippy).
	$(CARGO) check --manifest-path fuzz/Cargo.toml --locked --target-dir target

# Unit tests of every crate, natively (the frontend's state and texts included), and doc tests.
unit-test:
	$(CARGO) test --workspace --lib --bins --locked
	$(CARGO) test --workspace --doc --locked

# End to end: real openssl/Dovecot/Postfix servers, the real probe-api binary, headless Chromium.
# The tests mostly wait (for servers, deadlines, tarpits), not compute: six at a time instead of
# one per core takes the suite from 134 s to 76 s on 2 cores (each test has its own ports,
# servers and namespaces).
E2E_THREADS ?= 6
e2e-test: native-build
	$(CARGO) test --workspace --test e2e --locked -- --test-threads=$(E2E_THREADS)

# Components in headless Chromium (wasm-bindgen-test).
wasm-test:
	$(CARGO) test -p frontend --locked $(WASM) --profile wasm-test --test browser

size:
	scripts/size-report.sh --check dist
	scripts/size-report.sh --check dist/en

# Benchmarks (not part of `make test`): MailTLS against sslyze and testssl.sh on local Dovecot +
# Postfix, a domain check against the host check of its MX hosts, the HTTP service under load
# (wrk), replicas on a shared Redis behind HAProxy, the log audit on a generated 1 GiB log next
# to grep, and the client-simulation cross-check with testssl.sh. Results in target/bench/.
bench: setup setup-test dist
	scripts/setup-bench.sh
	$(CARGO) build --release --locked -p probe-api
	$(CARGO) bench --locked -p tests --bench full_check
	$(CARGO) bench --locked -p tests --bench domain_check
	ulimit -n 20000 && $(CARGO) bench --locked -p tests --bench load
	ulimit -n 20000 && $(CARGO) bench --locked -p tests --bench replicas
	$(CARGO) bench --locked -p tests --bench audit
	$(CARGO) bench --locked -p tests --bench client_crosscheck
	$(MAKE) fuzz

# The container image and the compose file (deploy/container/), built and run with Podman from
# Debian's packages only (not part of `make test`: a few minutes, and Podman as root).
container-test: setup dist release
	scripts/setup-container.sh
	deploy/container/test.sh

# The client simulation next to testssl.sh's on the same restricted servers (about 8 minutes:
# testssl.sh tries all its 162 clients); fails when they disagree. docs/client-simulation.md.
crosscheck: setup setup-test
	scripts/setup-bench.sh
	$(CARGO) build --release --locked -p probe-api
	$(CARGO) bench --locked -p tests --bench client_crosscheck

# Every fuzz target for 10 million executions (libFuzzer through cargo-fuzz, which needs a
# nightly toolchain: scripts/setup-fuzz.sh installs both). From 22 s (the ClientHello rewriter)
# to about 30-45 minutes (the domain records, 3,600-5,800 runs a second) each, after a first
# build of about 4 minutes; a crash stops the run and leaves its input in fuzz/artifacts.
FUZZ_RUNS ?= 10000000
fuzz:
	scripts/setup-fuzz.sh
	cd fuzz && for target in $$(cargo +nightly fuzz list); do \
		echo "fuzz: $$target, $(FUZZ_RUNS) runs"; \
		cargo +nightly fuzz run $$target -- -runs=$(FUZZ_RUNS) -max_len=4096 || exit 1; \
	done

clean:
	$(CARGO) clean
	rm -rf dist
