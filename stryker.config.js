// Stryker configuration for `npm run mutation -- <module>`. Run it through scripts/mutation.js,
// which checks the module name and sets MOATKIT_MUTATION_MODULE; this file only turns the name
// into paths. Everything Stryker writes goes under reports/ (gitignored).
import process from "node:process";

const moduleName = process.env.MOATKIT_MUTATION_MODULE;
if (moduleName === undefined || !/^[a-z]+$/.test(moduleName)) {
  throw new Error("stryker.config.js is run by scripts/mutation.js, which sets MOATKIT_MUTATION_MODULE");
}

// A part of the module (scripts/mutation.js --files): its own incremental file and reports.
const files = (process.env.MOATKIT_MUTATION_FILES ?? "").split(",").filter((f) => f !== "");
if (files.some((f) => !/^[a-z0-9-]+$/.test(f))) {
  throw new Error("MOATKIT_MUTATION_FILES lists file names under src/<module>/ without .ts");
}
const name = files.length === 0 ? moduleName : `${moduleName}-${files.join("+")}`;

/** @type {import("@stryker-mutator/api/core").PartialStrykerOptions} */
export default {
  testRunner: "vitest",
  plugins: ["@stryker-mutator/vitest-runner"],
  vitest: {
    configFile: "vitest.mutation.config.ts",
    // The include list in vitest.mutation.config.ts already names the module's tests; per-test
    // coverage then picks, for each mutant, the tests that execute it.
    related: false,
  },
  mutate: files.length === 0 ? [`src/${moduleName}/**/*.ts`] : files.map((f) => `src/${moduleName}/${f}.ts`),
  coverageAnalysis: "perTest",
  // The machine is shared: two sandboxes at most (scripts/mutation.js passes --concurrency).
  concurrency: 2,
  incremental: true,
  incrementalFile: `reports/stryker-incremental-${name}.json`,
  tempDirName: "reports/.stryker-tmp",
  cleanTempDir: true,
  reporters: ["progress", "clear-text", "html", "json"],
  htmlReporter: { fileName: `reports/mutation/${name}.html` },
  jsonReporter: { fileName: `reports/mutation/${name}.json` },
  clearTextReporter: { allowColor: false, logTests: false, reportMutants: true, reportScoreTable: true },
  thresholds: { high: 90, low: 85, break: null },
  // bcrypt and scrypt-backed tests are slow on a loaded machine; a mutant that makes them slower
  // still counts as a timeout (detected), not as a survivor.
  timeoutMS: 10_000,
  timeoutFactor: 2,
};
