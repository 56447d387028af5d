import { defineConfig } from "vitest/config";

export default defineConfig({
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
