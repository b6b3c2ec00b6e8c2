#!/usr/bin/env bash
# Installs, at pinned versions, what the playground's commands need, and
# skips whatever is already there at the right version (a second run installs
# nothing). Usage: scripts/tools.sh serve|test|book|bench
#   serve: the wasm32 target, trunk, wasm-bindgen-cli, wasm-opt (npm binaryen)
#   test:  serve's tools, plus Debian's chromium, chromium-driver and qemu-system-x86 (QEMU 7.2,
#          bookworm's) and npm playwright-core, axe-core
#   book:  serve's tools, plus mdbook
#   bench: test's tools, plus twiggy (make size and make bench: code by crate and function)
set -euo pipefail

cd "$(dirname "$0")/.."

TRUNK_VERSION=0.21.14
MDBOOK_VERSION=0.4.52
TWIGGY_VERSION=0.8.0
# The QEMU whose own local APIC the `qemu` profile is held to (make
# conformance-qemu): Debian bookworm's qemu-system-x86.
QEMU_VERSION=7.2
# The CLI must match the crate exactly, so its version is read from the pin.
WASM_BINDGEN_VERSION=$(sed -n 's/^wasm-bindgen = "=\([0-9.]*\)".*/\1/p' Cargo.toml)

say() { printf '\033[1m==> %s\033[0m\n' "$*" >&2; }
fail() {
  printf 'error: %s\n' "$1" >&2
  [ $# -gt 1 ] && printf '  to fix it, run: %s\n' "$2" >&2
  exit 1
}

need() {
  command -v "$1" >/dev/null 2>&1 || fail "'$1' is not installed; $2" "$3"
}

# The installed version of a command, or nothing.
version_of() { "$@" 2>/dev/null | head -n 1 || true; }

rust_target() {
  need rustup "the Rust toolchain is managed by rustup" "curl https://sh.rustup.rs -sSf | sh"
  if ! rustup target list --installed | grep -qx wasm32-unknown-unknown; then
    say "adding the Rust target wasm32-unknown-unknown (about a minute)"
    rustup target add wasm32-unknown-unknown ||
      fail "could not add the wasm32 target" "rustup target add wasm32-unknown-unknown"
  fi
}

# cargo_tool BIN CRATE VERSION [cargo install flags]: installs CRATE@VERSION
# unless `BIN --version` already reports VERSION.
cargo_tool() {
  local bin=$1 crate=$2 version=$3
  shift 3
  case "$(version_of "$bin" --version)" in
    *" $version"* | *" v$version"*) return 0 ;; # mdbook prints "mdbook v0.4.52"
  esac
  say "installing $crate $version with cargo install (several minutes; cargo shows its progress)"
  cargo install "$@" "$crate@$version" ||
    fail "could not install $crate $version" "cargo install $* $crate@$version"
}

npm_tools() {
  need npm "Node.js and npm come from Debian's packages" "apt-get install -y nodejs npm"
  if ! npm ls --depth=0 >/dev/null 2>&1; then
    say "installing the pinned npm packages (binaryen for wasm-opt, playwright-core and axe-core for the tests)"
    npm ci --no-audit --no-fund || fail "npm ci failed" "npm ci"
  fi
}

apt_tools() {
  local missing=()
  command -v chromium >/dev/null 2>&1 || missing+=(chromium)
  command -v chromedriver >/dev/null 2>&1 || missing+=(chromium-driver)
  command -v qemu-system-x86_64 >/dev/null 2>&1 || missing+=(qemu-system-x86)
  [ ${#missing[@]} -eq 0 ] && { qemu_version; return 0; }
  local sudo=()
  if [ "$(id -u)" -ne 0 ]; then
    command -v sudo >/dev/null 2>&1 || fail "${missing[*]} missing and not root" "sudo apt-get install -y ${missing[*]}"
    sudo=(sudo)
  fi
  say "installing Debian's ${missing[*]} (a minute or two)"
  "${sudo[@]}" apt-get update -qq &&
    DEBIAN_FRONTEND=noninteractive "${sudo[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}" ||
    fail "could not install ${missing[*]}" "apt-get update && apt-get install -y ${missing[*]}"
  qemu_version
}

# The recorded QEMU traces (kvm/recorded-qemu/) and the qemu profile's
# sources are QEMU 7.2's; another QEMU is refused rather than compared.
qemu_version() {
  case "$(version_of qemu-system-x86_64 --version)" in
    *"version $QEMU_VERSION."*) ;;
    *) fail "qemu-system-x86_64 is not QEMU $QEMU_VERSION: $(version_of qemu-system-x86_64 --version)" \
      "apt-get install -y qemu-system-x86 (Debian bookworm ships $QEMU_VERSION)" ;;
  esac
}

serve_tools() {
  need cargo "Rust 1.95 or newer is required" "curl https://sh.rustup.rs -sSf | sh"
  [ -n "$WASM_BINDGEN_VERSION" ] || fail "no exact wasm-bindgen pin (\"=x.y.z\") found in Cargo.toml"
  rust_target
  # trunk's lock file builds here; wasm-bindgen-cli's names a version the
  # registry lacks, so it is built without --locked.
  cargo_tool trunk trunk "$TRUNK_VERSION" --locked
  cargo_tool wasm-bindgen wasm-bindgen-cli "$WASM_BINDGEN_VERSION"
  npm_tools
}

case "${1:-}" in
  serve) serve_tools ;;
  test) serve_tools; apt_tools ;;
  book) serve_tools; cargo_tool mdbook mdbook "$MDBOOK_VERSION" --locked ;;
  bench) serve_tools; apt_tools; cargo_tool twiggy twiggy "$TWIGGY_VERSION" --locked ;;
  *) echo "usage: $0 serve|test|book|bench" >&2; exit 2 ;;
esac
