#!/usr/bin/env bash
# Checks the package as users get it, starting from a checkout without dist/ (as a clean clone
# is), so whatever dist/ the tarball holds was built by `prepack`:
# 1. the tarball holds dist/ and every file package.json's exports and bin point at, and nothing
#    from src/, test/ or the rest of the repository;
# 2. publint lints its package.json and exports; attw checks its type resolution under every
#    ESM resolution mode;
# 3. unpacked into an empty project beside only its declared dependencies and optional peers,
#    every subpath imports and the `moatkit` command runs.
set -euo pipefail
cd "$(dirname "$0")/.."
root=$PWD

rm -rf dist .pack && mkdir -p .pack
tarball=$(npm pack --silent --pack-destination .pack | tail -n 1)
echo "packed .pack/${tarball} (dist/ built by prepack)"

tar -tzf ".pack/${tarball}" | node --input-type=module -e '
  import { readFileSync } from "node:fs";
  const files = new Set(readFileSync(0, "utf8").split("\n").filter(Boolean).map((f) => f.replace(/^package\//, "")));
  const pkg = JSON.parse(readFileSync("package.json", "utf8"));
  const wanted = new Set(["package.json", "dist/index.js", "dist/index.d.ts", ...Object.values(pkg.bin ?? {}).map((p) => p.replace(/^\.\//, ""))]);
  for (const entry of Object.values(pkg.exports)) {
    for (const target of typeof entry === "string" ? [entry] : Object.values(entry)) wanted.add(target.replace(/^\.\//, ""));
  }
  const missing = [...wanted].filter((f) => !files.has(f));
  const extra = [...files].filter((f) => !/^(dist\/|README\.md$|CHANGELOG\.md$|LICENSE|package\.json$)/.test(f));
  if (missing.length > 0) console.error(`the tarball lacks: ${missing.join(", ")}`);
  if (extra.length > 0) console.error(`the tarball should not hold: ${extra.join(", ")}`);
  if (missing.length > 0 || extra.length > 0) process.exit(1);
  console.log(`tarball: ${files.size} files, every export and bin target present`);
'

npx --no-install publint run ".pack/${tarball}" --strict
# This package is ESM-only by design (docs/design.md), so the CommonJS `require` resolution
# mode is out of scope for the type check.
npx --no-install attw ".pack/${tarball}" --profile esm-only

# An empty project with moatkit unpacked from the tarball. Its dependencies and optional peers
# are linked from this checkout's node_modules (no network); nothing else is, so an import of an
# undeclared package fails here as it would for a user.
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$work/node_modules/moatkit"
tar -xzf ".pack/${tarball}" -C "$work/node_modules/moatkit" --strip-components=1
printf '{ "name": "consumer", "private": true, "type": "module" }\n' >"$work/package.json"
for dep in $(node -e 'const p = require("./package.json"); console.log([...Object.keys(p.dependencies ?? {}), ...Object.keys(p.peerDependencies ?? {})].join(" "))'); do
  mkdir -p "$(dirname "$work/node_modules/$dep")"
  ln -s "$root/node_modules/$dep" "$work/node_modules/$dep"
done
cd "$work"
node --input-type=module -e '
  import { readFileSync } from "node:fs";
  const pkg = JSON.parse(readFileSync("node_modules/moatkit/package.json", "utf8"));
  // Subpaths that publish types only (moatkit/sql: the SqlClient interface) load and export nothing.
  const typesOnly = new Set(["./sql"]);
  for (const subpath of Object.keys(pkg.exports)) {
    if (subpath === "./package.json") continue;
    const specifier = subpath === "." ? "moatkit" : `moatkit/${subpath.slice(2)}`;
    const names = Object.keys(await import(specifier));
    if (typesOnly.has(subpath) !== (names.length === 0)) {
      throw new Error(`${specifier} exports ${names.length} values; expected ${typesOnly.has(subpath) ? "none (types only)" : "some"}`);
    }
    console.log(`import ${specifier}: ${names.length} exports`);
  }
'
node node_modules/moatkit/dist/cli/main.js --help >/dev/null
echo "installed from the tarball: every subpath imports, the moatkit command runs"
