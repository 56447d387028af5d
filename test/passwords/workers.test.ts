import { execFile } from "node:child_process";
import { mkdirSync, rmSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath, pathToFileURL } from "node:url";
import { promisify } from "node:util";
import { afterAll, describe, expect, it } from "vitest";
import { bcryptWorkerCount, bcryptWorkers } from "../../src/_internal/bcrypt-pool.js";
import {
  configurePasswordWorkers,
  hashPassword,
  shutdownPasswordWorkers,
  verifyPassword,
} from "../../src/passwords/index.js";
import { expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";

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

describe("bcrypt worker pool", () => {
  it("keeps the event loop free while a cost-12 hash runs (it runs on another thread)", async () => {
    let turns = 0;
    let hashing = true;
    const spin = (): void => {
      turns++;
      if (hashing) setImmediate(spin);
    };
    const done = hashPassword("pw", { cost: 12 }).finally(() => {
      hashing = false;
    });
    setImmediate(spin);
    await done;
    // Synchronous bcrypt would allow 0 turns and bcryptjs's async API a handful (one per
    // ~100 ms slice); a worker leaves the loop spinning freely the whole time.
    expect(turns).toBeGreaterThan(50);
  }, 30_000);

  it("runs many concurrent operations and gives each caller its own answer", async () => {
    const passwords = Array.from({ length: 12 }, (_, i) => `password-${String(i)}`);
    const hashes = await Promise.all(passwords.map((pw) => hashPassword(pw, { cost: 4 })));
    const checks = await Promise.all(
      hashes.flatMap((h, i) => [verifyPassword(passwords[i] ?? "", h), verifyPassword(`${passwords[i] ?? ""}!`, h)]),
    );
    expect(checks).toEqual(passwords.flatMap(() => [true, false]));
  });

  it("rejects queued work with ERR_ABORTED on shutdown and starts fresh workers afterwards", async () => {
    const pending = Array.from({ length: 6 }, () => hashPassword("pw", { cost: 10 }));
    const outcomes = Promise.all(pending.map((p) => expectMoatErrorAsync(p, "ERR_ABORTED")));
    await shutdownPasswordWorkers();
    await outcomes;
    const hash = await hashPassword("after", { cost: 4 });
    await expect(verifyPassword("after", hash)).resolves.toBe(true);
  }, 30_000);

  it("can be resized, and refuses sizes outside 1–64 with ERR_CONFIG", async () => {
    const before = bcryptWorkerCount();
    try {
      for (const size of [3, 1]) {
        configurePasswordWorkers({ maxWorkers: size });
        expect(bcryptWorkerCount()).toBe(size);
        const results = await Promise.all(
          [1, 2, 3, 4].map(async (i) =>
            bcryptWorkers.compare(`x${String(i)}`, await hashPassword(`x${String(i)}`, { cost: 4 })),
          ),
        );
        expect(results).toEqual([true, true, true, true]);
      }
    } finally {
      configurePasswordWorkers({ maxWorkers: before });
    }
    for (const maxWorkers of [0, 65, 1.5, "2"]) {
      expectMoatError(() => {
        configurePasswordWorkers({ maxWorkers } as never);
      }, "ERR_CONFIG");
    }
  });

  it("reports a worker failure as a MoatError instead of hanging", async () => {
    // A salt bcryptjs refuses makes the worker report failure; callers validate inputs first,
    // so this only happens if something is badly wrong.
    await expectMoatErrorAsync(bcryptWorkers.hash("pw", "not-a-salt"), "ERR_UNSUPPORTED");
    await expect(bcryptWorkers.compare("pw", await hashPassword("pw", { cost: 4 }))).resolves.toBe(true);
  });
});

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
