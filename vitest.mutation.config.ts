/**
 * The vitest configuration Stryker runs for `npm run mutation -- <module>` (see
 * scripts/mutation.js): the project's own configuration, narrowed to the tests of one module and
 * the memory-store conformance suite, so a mutation run needs no database and no Redis and runs
 * only the tests that can notice a change in that module.
 */
import { defineConfig } from "vitest/config";
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
    // Stryker reads results from its own reporter; the skip-reasons reporter is for people.
    reporters: ["default"],
  },
});
