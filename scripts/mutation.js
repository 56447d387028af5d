// `npm run mutation -- <module> [--files a,b] [--concurrency N] [--force] [--ignore-static] [--summary]`
//
// Mutation testing of one moatkit module with Stryker and the vitest runner (stryker.config.js,
// vitest.mutation.config.ts). Mutates src/<module>/** only, runs test/<module> and the memory-store
// conformance suite, needs no database or Redis, and keeps an incremental file per module under
// reports/ so a rerun after adding tests only re-tests what changed. Not part of CI: a full run
// takes minutes to an hour on a small machine.
//
//   --files a,b      mutate only src/<module>/a.ts and b.ts: a part of a large module, for a machine
//                    too loaded to run the whole module in one sitting. A part keeps its own
//                    incremental file and report (reports/mutation/<module>-a+b.json), so parts
//                    measured on different days do not overwrite each other.
//   --concurrency N  sandboxes run in parallel (default 1; at most 2 on a shared machine)
//   --force          ignore the incremental file and re-test every mutant
//   --ignore-static  skip static mutants (module-level constants and schemas, which need every
//                    test rerun in a fresh process each); they are reported as Ignored, not scored
//   --summary        do not run; print the summary of the last run's report
//
// After a run it prints the score and counts, and every surviving or uncovered mutant with its
// place and replacement — the list docs/quality.md explains.
import { spawnSync } from "node:child_process";
import process from "node:process";
import { existsSync, readFileSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join, relative } from "node:path";
import { fileURLToPath } from "node:url";

const MODULES = ["crypto", "apikeys", "mfa", "passwords", "sessions", "audit"];
const root = join(dirname(fileURLToPath(import.meta.url)), "..");

function fail(message) {
  process.stderr.write(`mutation: ${message}\n`);
  process.exit(2);
}

const args = process.argv.slice(2);
const valueFlags = ["--concurrency", "--files"];
const moduleName = args.find((a, i) => !a.startsWith("--") && !valueFlags.includes(args[i - 1] ?? ""));
if (moduleName === undefined || !MODULES.includes(moduleName)) {
  fail(
    `usage: npm run mutation -- <${MODULES.join("|")}> [--files a,b] [--concurrency N] [--force] [--ignore-static] [--summary]`,
  );
}
let files = "";
const fi = args.indexOf("--files");
if (fi !== -1) {
  const names = (args[fi + 1] ?? "").split(",").filter((f) => f !== "");
  // Plain file names only: the list becomes part of a glob and of report file names.
  if (names.length === 0 || names.some((f) => !/^[a-z0-9-]+$/.test(f))) {
    fail("--files takes file names under src/<module>/ without .ts, separated by commas (e.g. tokens,key-set)");
  }
  for (const f of names) {
    if (!existsSync(join(root, "src", moduleName, `${f}.ts`))) fail(`no file src/${moduleName}/${f}.ts`);
  }
  files = [...new Set(names)].sort().join(",");
}
let concurrency = 1;
const ci = args.indexOf("--concurrency");
if (ci !== -1) {
  concurrency = Number(args[ci + 1]);
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 2) {
    fail("--concurrency takes 1 or 2 (the machine is shared)");
  }
}
const force = args.includes("--force");
const ignoreStatic = args.includes("--ignore-static");
const summaryOnly = args.includes("--summary");

const reportName = files === "" ? moduleName : `${moduleName}-${files.replaceAll(",", "+")}`;
const reportFile = join(root, "reports", "mutation", `${reportName}.json`);

if (!summaryOnly) {
  const strykerBin = join(
    dirname(createRequire(import.meta.url).resolve("@stryker-mutator/core/package.json")),
    "bin",
    "stryker.js",
  );
  const strykerArgs = [strykerBin, "run", "stryker.config.js", "--concurrency", String(concurrency)];
  if (force) strykerArgs.push("--force");
  if (ignoreStatic) strykerArgs.push("--ignoreStatic");
  const run = spawnSync(process.execPath, strykerArgs, {
    cwd: root,
    stdio: "inherit",
    env: { ...process.env, MOATKIT_MUTATION_MODULE: moduleName, MOATKIT_MUTATION_FILES: files },
  });
  if (run.status !== 0) fail(`stryker exited with ${run.status ?? run.signal}`);
}

if (!existsSync(reportFile)) fail(`no report at ${relative(root, reportFile)}; run without --summary first`);
printSummary(JSON.parse(readFileSync(reportFile, "utf8")));

/** Counts by status, the score Stryker reports, and the mutants no test noticed. */
function printSummary(report) {
  const counts = {};
  const undetected = [];
  for (const [file, { mutants, source }] of Object.entries(report.files)) {
    const lines = source.split("\n");
    for (const m of mutants) {
      counts[m.status] = (counts[m.status] ?? 0) + 1;
      if (m.status === "Survived" || m.status === "NoCoverage") {
        const { start, end } = m.location;
        const original =
          start.line === end.line
            ? (lines[start.line - 1] ?? "").slice(start.column - 1, end.column - 1)
            : `${(lines[start.line - 1] ?? "").slice(start.column - 1)}…`;
        undetected.push({ file, line: start.line, m, original });
      }
    }
  }
  const n = (s) => counts[s] ?? 0;
  const detected = n("Killed") + n("Timeout");
  const valid = detected + n("Survived") + n("NoCoverage");
  const score = valid === 0 ? 100 : (100 * detected) / valid;
  const out = [];
  out.push(`module ${reportName}: mutation score ${score.toFixed(2)}%`);
  out.push(
    `killed ${n("Killed")}, timeout ${n("Timeout")}, survived ${n("Survived")}, no coverage ${n("NoCoverage")}, ` +
      `ignored ${n("Ignored")}, compile/runtime errors ${n("CompileError") + n("RuntimeError")}`,
  );
  undetected.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
  for (const { file, line, m, original } of undetected) {
    const show = (s) => JSON.stringify(s.length > 70 ? `${s.slice(0, 70)}…` : s);
    out.push(
      `  ${m.status === "Survived" ? "survived " : "no cover "} ${file}:${line} ${m.mutatorName} ` +
        `${show(original)} -> ${show(m.replacement ?? "")}`,
    );
  }
  process.stdout.write(`${out.join("\n")}\n`);
}
