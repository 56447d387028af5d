#!/usr/bin/env bash
# `npm run examples`: runs every example in examples/ (not the tour, which `npm run demo` runs)
# on embedded defaults, and fails if any of them fails.
set -uo pipefail
cd "$(dirname "$0")/.."
failed=0
for example in examples/*.ts; do
  [ "$(basename "$example")" = "tour.ts" ] && continue
  printf '\n── %s\n' "$example"
  if ! npx --no-install tsx "$example"; then
    echo "✗ $example failed" >&2
    failed=1
  fi
done
exit $failed
