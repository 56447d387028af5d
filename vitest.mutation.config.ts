/**
 * The vitest configuration Stryker runs for `npm run mutation -- <module>` (see
 * scripts/mutation.js): the project's own configuration, narrowed to the tests of one module,
 * the tests elsewhere that specify that module's behaviour (its committed format vectors, its
 * cache invalidation) and the memory-store conformance suite, so a mutation run needs no database
 * and no Redis and runs only the tests that can notice a change in that module.
 */
import { configDefaults, defineConfig } from "vitest/config";
import base from "./vitest.config.js";

const moduleName = process.env.MOATKIT_MUTATION_MODULE;
if (moduleName === undefined || !/^[a-z]+$/.test(moduleName)) {
  throw new Error("vitest.mutation.config.ts is run by scripts/mutation.js, which sets MOATKIT_MUTATION_MODULE");
}

// Tests outside test/<module> that pin the module's own behaviour. The format vectors fix its
// byte layouts (a mutant that changes an encoding survives every round-trip test but not these);
// test/invalidation holds tokens.forget and the API-key verify cache's eviction rules.
const FORMATS = "test/vectors/moatkit/formats.test.ts";
const ALSO: Readonly<Record<string, readonly string[]>> = {
  // The key-provider tests that run in process (an in-memory provider, Vault Transit over fetch
  // against its emulator) and the shred-on-invalidation tests: without them, key-provider.ts and
  // provider-calls.ts would count as untested.
  crypto: [
    "test/vectors/moatkit/envelope.test.ts",
    "test/kms/envelope-provider.test.ts",
    "test/kms/provider-vectors.test.ts",
    "test/kms/vault.test.ts",
    "test/invalidation/**/*.test.ts",
  ],
  apikeys: [FORMATS, "test/invalidation/**/*.test.ts"],
  mfa: [FORMATS],
  passwords: [FORMATS],
  sessions: [FORMATS, "test/invalidation/**/*.test.ts"],
  audit: [FORMATS],
};

export default defineConfig({
  ...base,
  test: {
    ...base.test,
    include: [`test/${moduleName}/**/*.test.ts`, ...(ALSO[moduleName] ?? []), "test/conformance/memory.test.ts"],
    // Tests that spawn child processes: a child never sees the mutant Stryker switches on in the
    // test worker, so they cannot kill one and only cost minutes per run.
    // keyring-wipe.test.ts replaces a module with vi.mock, which needs that module imported
    // fresh: without isolation between files (below) another file has already imported it.
    exclude: [...configDefaults.exclude, "test/passwords/workers-process.test.ts", "test/crypto/keyring-wipe.test.ts"],
    // Stryker reads results from its own reporter; the skip-reasons reporter is for people.
    reporters: ["default"],
    isolate: false,
  },
});
