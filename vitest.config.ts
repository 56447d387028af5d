import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

const src = fileURLToPath(new URL("./src/", import.meta.url));

export default defineConfig({
  // The examples import moatkit by its package name, as an application would; tests run them
  // against the sources (the same mapping as tsconfig's "paths").
  resolve: {
    alias: [
      { find: /^moatkit$/, replacement: `${src}index.ts` },
      { find: /^moatkit\/(.+)$/, replacement: `${src}$1/index.ts` },
    ],
  },
  test: {
    include: ["test/**/*.test.ts"],
    setupFiles: ["test/setup.ts"],
    reporters: ["default", "./test/reporters/skip-reasons.ts"],
    pool: "forks",
    // The per-test timeout stays at vitest's default (5 s): adversarial-input tests rely on it.
    // Tests that do heavy real I/O (thousands of Postgres rows, bcrypt races) set their own.
    hookTimeout: 60_000,
  },
});
