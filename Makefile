# The APIC playground's commands (README.md explains each).
#   make serve   install what is missing, then serve the playground on 127.0.0.1
#   make test    install what tests need, then run every check, stopping at the first failure
SHELL := bash
.SHELLFLAGS := -euo pipefail -c
.DEFAULT_GOAL := help

export PATH := $(CURDIR)/node_modules/.bin:$(HOME)/.cargo/bin:$(PATH)
export CHROMEDRIVER ?= /usr/bin/chromedriver
export WASM_BINDGEN_TEST_TIMEOUT ?= 120
ADDRESS ?= 127.0.0.1
PORT ?= 8080
# Every command writes its own output folder, so that they can run at the
# same time: the dev server's build, the hosting copy (dist/) and the build
# and book the end-to-end suite tests never overwrite each other. The private
# ones live under target/, which `trunk serve` ignores (Trunk.toml, [watch]).
SERVE_DIST ?= target/serve
E2E_DIST ?= target/e2e/dist
E2E_BOOK ?= target/e2e/book
BENCH_DIST ?= target/bench
FLOOR_DIST ?= target/bench-floor
SIZE_DIR ?= dist

.PHONY: help serve build test lint test-native conformance conformance-qemu check-core-wasm test-wasm book-check e2e e2e-build size bench book builtins

help:
	@echo "make serve   start the playground (installs trunk, wasm-bindgen-cli, wasm-opt on first use)"
	@echo "make test    run every test (also installs chromium, chromedriver, playwright-core)"
	@echo "make e2e     only the end-to-end suite, on a release build and book of its own under target/e2e/"
	@echo "make build   release build into dist/ (a static copy for hosting)"
	@echo "make book    the book with the playground inside, into docs/book/ (installs mdbook on first use)"
	@echo "make size    where dist/'s bytes are: by file, crate, function and data (SIZE_DIR=target/e2e/dist for the test build)"
	@echo "make builtins  write www/builtins/ and src/seed.bin, the built-ins' traces the page shows (after a change to the model)"
	@echo "make bench   the model's criterion medians, the page's browser timings beside a minimal Yew page (bench/floor/), its size report"

serve:
	@scripts/tools.sh serve
	@echo "==> building, then serving the playground at http://$(ADDRESS):$(PORT)/ (Ctrl-C stops it)"
	trunk serve --offline --address $(ADDRESS) --port $(PORT) --dist $(SERVE_DIST)

build:
	@scripts/tools.sh serve
	trunk build --release --offline

test:
	@scripts/tools.sh test
	@$(MAKE) --no-print-directory lint test-native conformance conformance-qemu check-core-wasm test-wasm book-check e2e
	@node scripts/size-report.mjs $(E2E_DIST)
	@echo "==> all tests passed"

lint:
	@echo "==> 1/6 format and lints"
	cargo fmt --all --check
	cargo clippy --workspace --all-targets -- -D warnings
	cargo clippy --target wasm32-unknown-unknown -p apic-playground --all-targets -- -D warnings
	@# The viewer (the page's first module): without Play, and its core without the engine.
	cargo clippy --target wasm32-unknown-unknown -p apic-playground --bin apic-playground --no-default-features -- -D warnings
	cargo clippy -p apic-core --no-default-features -- -D warnings

test-native:
	@echo "==> 2/6 native tests of the whole workspace"
	cargo test --workspace

# The host's own KVM as a profile (kvm/README.md): every built-in scenario and
# kvm/conformance/ run on /dev/kvm and held to the model profile this host
# stands for; "skipped: <reason>" where /dev/kvm cannot be used.
conformance:
	@echo "==> 2b/6 conformance: the scenarios on this host's KVM agree with the model"
	@cargo build -q -p apic-trace
	@status=0; target/debug/apic-trace conformance kvm/conformance || status=$$?; \
	if [ $$status -ne 0 ] && [ $$status -ne 3 ]; then exit $$status; fi

# QEMU's own local APIC (kvm/src/qemu/): every built-in scenario and
# kvm/conformance/ run on Debian's QEMU 7.2 under TCG (scripts/tools.sh test
# installs it) and held to the `qemu` profile; steps the QEMU runner cannot
# perform are listed as "not run" with the reason; any difference fails.
conformance-qemu:
	@echo "==> 2c/6 conformance: the scenarios on QEMU 7.2 under TCG agree with the qemu profile"
	@cargo build -q -p apic-trace
	@target/debug/apic-trace conformance --against qemu-tcg kvm/conformance

check-core-wasm:
	@echo "==> 3/6 apic-core builds for wasm32 (the core stays free of host-only code), with its engine and without (the viewer's)"
	cargo build -p apic-core --no-default-features --features engine --target wasm32-unknown-unknown
	cargo build -p apic-core --no-default-features --target wasm32-unknown-unknown

test-wasm:
	@echo "==> 4/6 wasm-bindgen-test suites in headless Chromium"
	cargo test --target wasm32-unknown-unknown -p apic-playground

book-check:
	@echo "==> 5/6 the book's generated tables and embedded steps match the model"
	node scripts/book-tables.mjs --check

# The e2e suite tests a release build and a book of its own (E2E_DIST,
# E2E_BOOK), never dist/ or docs/book/, which a developer may be rebuilding.
e2e: e2e-build
	@echo "==> 6/6 end-to-end suite against the release build in $(E2E_DIST)/ and the book in $(E2E_BOOK)/"
	E2E_DIST=$(E2E_DIST) E2E_BOOK=$(E2E_BOOK) node --test --test-concurrency=1 e2e/tests/
	@echo "screenshots: $(CURDIR)/e2e/artifacts/screenshots"

e2e-build:
	@scripts/tools.sh book
	trunk build --release --offline --dist $(E2E_DIST)
	scripts/book.sh $(E2E_DIST) $(E2E_BOOK)

size:
	@node scripts/size-report.mjs $(SIZE_DIR)

book:
	@scripts/tools.sh book
	@$(MAKE) --no-print-directory build
	scripts/book.sh

# The browser timings measure a release build of their own, for the same
# reason, and the floor (bench/floor/, a minimal Yew page built with the same
# profile and wasm-opt) in the same run; README "Performance" reads the output.
bench:
	@scripts/tools.sh bench
	cargo bench -p apic-core
	trunk build --release --offline --dist $(BENCH_DIST)
	cd bench/floor && CARGO_TARGET_DIR=$${CARGO_TARGET_DIR:-$(CURDIR)/target} trunk build --release --offline --dist $(abspath $(FLOOR_DIST))
	@echo "==> machine: $$(nproc) cores, $$(sed -n 's/^model name[[:space:]]*: //p' /proc/cpuinfo | head -n 1), load average $$(cut -d' ' -f1-3 /proc/loadavg)"
	@node scripts/criterion-medians.mjs
	E2E_DIST=$(BENCH_DIST) FLOOR_DIST=$(FLOOR_DIST) node scripts/bench-browser.mjs
	@node scripts/size-report.mjs $(BENCH_DIST)
	@echo "==> machine: $$(nproc) cores, load average $$(cut -d' ' -f1-3 /proc/loadavg)"

# The built-ins' traces computed ahead of time (core/src/library.rs): the
# library the page fetches and the seed file its first module embeds. A
# test fails while either differs from what the model computes.
builtins:
	rm -rf www/builtins
	cargo run -q -p apic-trace -- builtins --dir www/builtins
	cargo run -q -p apic-trace -- builtins --seed > src/seed.bin
