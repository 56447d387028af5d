/**
 * The vitest configuration Stryker runs for `npm run mutation -- <module>` (see
 * scripts/mutation.js): the project's own configuration, narrowed to the tests of one module and
 * the memory-store conformance suite, so a mutation run needs no database and no Redis and runs
 * only the tests that can notice a change in that module.
 */
import { configDefaults, defineConfig } from "vitest/config";
import base from "./vitest.config.js";

const moduleName = process.env.MOATKIT_MUTATION_MODULE;
if (moduleName === undefined || !/^[a-z]+$/.test(moduleName)) {
  throw new Error("vitest.mutation.config.ts is run by scripts/mutation.js, which sets MOATKIT_MUTATION_MODULE");
}

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [`test/${moduleName}/**/*.test.ts`, "test/conformance/memory.test.ts"],
    // Tests that spawn child processes: a child never sees the mutant Stryker switches on in the
    // test worker, so they cannot kill one and only cost minutes per run.
    exclude: [...configDefaults.exclude, "test/passwords/workers-process.test.ts"],
    // Stryker reads results from its own reporter; the skip-reasons reporter is for people.
    reporters: ["default"],
  },
});
