#!/usr/bin/env bash
# Builds the book with the playground inside: mdbook renders docs/src into
# OUT (default docs/book/), and a release build of the playground, DIST
# (default dist/; relative URLs, public_url "./"), is copied to
# OUT/playground/, which every embedded iframe points at.
# The result is a static folder that works from any sub-path of any host.
# Then fails if any page of the book would load something from another host.
# Usage: scripts/book.sh [DIST [OUT]]   (make book builds dist/ first and
# installs mdbook; make e2e builds the suite's own copy under target/e2e/)
set -euo pipefail

cd "$(dirname "$0")/.."

dist=${1:-dist}
out=${2:-docs/book}

fail() {
  printf 'error: %s\n' "$1" >&2
  [ $# -gt 1 ] && printf '  to fix it, run: %s\n' "$2" >&2
  exit 1
}

command -v mdbook >/dev/null 2>&1 || fail "mdbook is not installed" "scripts/tools.sh book"
[ -f "$dist/index.html" ] || fail "$dist/ has no release build of the playground" "make build"

# mdbook reads a relative --dest-dir from the book's root (docs/), so give
# it an absolute one.
mkdir -p "$out"
out_abs=$(cd "$out" && pwd)
mdbook build docs --dest-dir "$out_abs"
rm -rf "$out/playground"
cp -R "$dist" "$out/playground"
# The exercises, ready to download, fill in and run with apic-trace check.
mkdir -p "$out/exercises"
cp core/scenarios/exercise-*.json "$out/exercises/"

# Offline by construction: no page, stylesheet or script of the book may
# name a resource on another host (links in <a href> are fine: they are not
# loaded). mdBook's theme would reference a CDN for MathJax and Google fonts
# if book.toml enabled them.
foreign=$(grep -rEoh --include='*.html' --include='*.css' --include='*.js' \
  '(<(script|img|iframe|link|source|video|audio)[^>]*(src|href)="(https?:)?//[^"]*|url\((["'\'']?)(https?:)?//[^)]*|@import[^;]*(https?:)?//[^;]*)' \
  "$out" || true)
[ -z "$foreign" ] || fail "the book references resources on other hosts:
$foreign"

echo "book: $(find "$out" -maxdepth 1 -name '*.html' | wc -l) pages in $out/, playground in $out/playground/"
