/**
 * `npm run bench [-- name…]`: runs bench/*.bench.ts (or those whose file name contains one of
 * the given names), prints a table per file and writes bench/results.json.
 */
import { readdirSync, writeFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { type BenchSuite, type Row, formatTable, runSuite } from "./harness.js";

const here = dirname(fileURLToPath(import.meta.url));
const filters = process.argv.slice(2);
const files = readdirSync(here)
  .filter((f) => f.endsWith(".bench.ts"))
  .filter((f) => filters.length === 0 || filters.some((name) => f.includes(name)))
  .sort();

if (files.length === 0) {
  console.error(`no bench files match ${filters.join(", ")}`);
  process.exit(2);
}

const results: Record<string, Row[]> = {};
for (const file of files) {
  const mod = (await import(pathToFileURL(join(here, file)).href)) as { default: BenchSuite };
  const rows = await runSuite(mod.default);
  results[file] = rows;
  console.log(formatTable(`${mod.default.title} (${file})`, rows));
}

const out = join(here, "results.json");
writeFileSync(
  out,
  `${JSON.stringify({ node: process.version, platform: `${process.platform}-${process.arch}`, at: new Date().toISOString(), results }, null, 2)}\n`,
);
console.log(`\nwrote ${out}`);
