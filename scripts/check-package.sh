#!/usr/bin/env bash
# Checks the package as users get it: build, pack, then lint the tarball's package.json and
# exports (publint) and its type resolution under every ESM resolution mode (attw).
set -euo pipefail
cd "$(dirname "$0")/.."
npm run --silent build
rm -rf .pack && mkdir -p .pack
tarball=$(npm pack --silent --pack-destination .pack | tail -n 1)
echo "packed .pack/${tarball}"
npx --no-install publint run ".pack/${tarball}" --strict
# This package is ESM-only by design (docs/design.md), so the CommonJS `require` resolution
# mode is out of scope for the type check.
npx --no-install attw ".pack/${tarball}" --profile esm-only
