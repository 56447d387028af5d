/**
 * The bcrypt workers in processes of their own: from the sources under tsx and from a tsc build.
 * Kept apart from workers.test.ts because these spawn child processes (and one builds the whole
 * package); the mutation runs (vitest.mutation.config.ts) leave this file out, since a child
 * process never sees the mutant Stryker activates in the test worker.
 */
import { execFile } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";

const run = promisify(execFile);
const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
const fixture = join(root, "test", "passwords", "fixtures", "worker-smoke.js");
const EXPECTED = {
  hash: "$2b$05$",
  right: true,
  wrong: false,
  first: { ok: true, remaining: 1 },
  second: { ok: false, reason: "invalid" },
};

describe("bcrypt workers outside vitest", () => {
  it("work from the sources under tsx, and the process exits on its own", async () => {
    const { stdout } = await run(
      process.execPath,
      ["--import", "tsx", fixture, pathToFileURL(join(root, "src")).href, ".ts"],
      {
        cwd: root,
        timeout: 60_000,
      },
    );
    expect(JSON.parse(stdout.trim())).toEqual(EXPECTED);
  }, 90_000);

  // Inside node_modules (ignored by git and lint) so the build resolves bcryptjs as an
  // installed package would.
  const buildDir = join(root, "node_modules", ".cache", `moatkit-dist-smoke-${String(process.pid)}`);
  afterAll(() => {
    rmSync(buildDir, { recursive: true, force: true });
  });

  it("work from a build (plain node, no loader), and the process exits on its own", async () => {
    mkdirSync(dirname(buildDir), { recursive: true });
    await run(
      process.execPath,
      [join(root, "node_modules", "typescript", "bin", "tsc"), "-p", "tsconfig.build.json", "--outDir", buildDir],
      {
        cwd: root,
        timeout: 120_000,
      },
    );
    const { stdout } = await run(process.execPath, [fixture, pathToFileURL(buildDir).href, ".js"], {
      cwd: root,
      timeout: 60_000,
    });
    expect(JSON.parse(stdout.trim())).toEqual(EXPECTED);
  }, 180_000);
});
