/**
 * examples/express-saas/server.ts as a process: it starts on an in-memory PGlite with a local
 * fake Turnstile, serves requests, and exits cleanly on SIGTERM; with DATABASE_URL but no master
 * keys it refuses to start.
 */
import { type ChildProcess, spawn } from "node:child_process";
import { once } from "node:events";
import { describe, expect, it } from "vitest";

const SERVER = "examples/express-saas/server.ts";
const TIMEOUT = 120_000;

function start(env: Record<string, string>): { child: ChildProcess; output: () => string } {
  const dropped = new Set([
    "DATABASE_URL",
    "APP_DATABASE_URL",
    "REDIS_URL",
    "MOATKIT_MASTER_KEYS",
    "TURNSTILE_SECRET",
    "SAAS_RECOVERY_SELECTOR_KEY",
    "SAAS_API_KEY_PEPPER",
  ]);
  const base = Object.fromEntries(Object.entries(process.env).filter(([name]) => !dropped.has(name)));
  const child = spawn(process.execPath, ["--import", "tsx", SERVER], {
    env: { ...base, ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let out = "";
  child.stdout.on("data", (c: Buffer) => (out += c.toString("utf8")));
  child.stderr.on("data", (c: Buffer) => (out += c.toString("utf8")));
  return { child, output: () => out };
}

async function waitFor(output: () => string, pattern: RegExp, child: ChildProcess): Promise<RegExpMatchArray> {
  for (;;) {
    const match = pattern.exec(output());
    if (match !== null) return match;
    if (child.exitCode !== null) throw new Error(`server exited early:\n${output()}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe("example app express-saas: server.ts", () => {
  it(
    "serves on PGlite with the fake Turnstile and stops on SIGTERM",
    async () => {
      const { child, output } = start({ PORT: "0" });
      try {
        const [, url] = await waitFor(output, /listening on (http:\/\/127\.0\.0\.1:\d+)/, child);
        const health = await fetch(`${url!}/health`);
        expect([health.status, await health.json()]).toEqual([200, { ok: true }]);
        expect(health.headers.get("x-content-type-options")).toBe("nosniff");
        const signup = await fetch(`${url!}/auth/signup`, {
          method: "POST",
          headers: { "content-type": "application/json" },
          body: JSON.stringify({
            email: "server@example.com",
            password: "correct horse battery staple",
            orgName: "Server",
            "cf-turnstile-response": "XXXX.DUMMY.TOKEN.XXXX",
          }),
        });
        expect(signup.status).toBe(201);
        child.kill("SIGTERM");
        const [code] = (await once(child, "exit")) as [number | null];
        expect(code).toBe(0);
        expect(output()).not.toContain("server@example.com");
      } finally {
        if (child.exitCode === null) child.kill("SIGKILL");
      }
    },
    TIMEOUT,
  );

  it(
    "refuses to start on a real database without master keys",
    async () => {
      const { child, output } = start({ PORT: "0", DATABASE_URL: "postgres://nobody@127.0.0.1:1/none" });
      const [code] = (await once(child, "exit")) as [number | null];
      expect(code).not.toBe(0);
      expect(output()).toContain("MOATKIT_MASTER_KEYS is required with DATABASE_URL");
    },
    TIMEOUT,
  );
});
