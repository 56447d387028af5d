import { once } from "node:events";
import { beforeAll, describe, expect, it } from "vitest";
import { redact } from "../../src/redact/index.js";
import { ensureBuilt, finished, runCli, startCli } from "./bin.js";

beforeAll(ensureBuilt, 120_000);

describe("moatkit redact", () => {
  it("redacts every line from stdin to stdout, exactly as redact() does", async () => {
    const lines = [
      "user alice@example.com logged in",
      "ssn 536-22-1934 on file",
      "call (415) 555-0132 now",
      "paid with 4242 4242 4242 4242",
      "nothing here at 2024-06-01T10:00:00Z, order 12345678901",
      "",
      "last line without newline bob@example.org",
    ];
    const input = lines.join("\n");
    const r = await runCli(["redact"], { input });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(lines.map((l) => redact(l)).join("\n"));
    expect(r.stdout).not.toMatch(/alice@|536-22-1934|555-0132|4242 4242/);
  });

  it("writes each line as soon as it is complete: it does not wait for the end of the input", async () => {
    const child = startCli(["redact"]);
    const done = finished(child);
    child.stdin.write("first carol@example.com\n");
    const [chunk] = (await once(child.stdout, "data")) as [string];
    expect(chunk).toBe("first [EMAIL]\n");
    child.stdin.write("second dave@example.com\n");
    const [chunk2] = (await once(child.stdout, "data")) as [string];
    expect(chunk2).toBe("second [EMAIL]\n");
    child.stdin.end();
    expect((await done).code).toBe(0);
  });

  it("redacts a line far longer than its line buffer, values across every chunk included", async () => {
    const filler = "word ".repeat(40_000); // 200 kB, past the 64 kB line buffer
    const line = `${filler}erin@example.com ${filler}4242 4242 4242 4242 ${filler}`;
    const r = await runCli(["redact"], { input: `${line}\nshort frank@example.com\n` });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe(`${redact(line)}\nshort [EMAIL]\n`);
  });

  it("keeps multi-byte characters whole across chunk boundaries", async () => {
    const text = `${"é€😀".repeat(30_000)} greta@example.com\n`;
    const r = await runCli(["redact"], { input: text });
    expect(r.stdout).toBe(redact(text));
  });

  it("finds only the --types asked for", async () => {
    const r = await runCli(["redact", "--types", "email"], { input: "heidi@example.com 123-45-6789\n" });
    expect(r.code).toBe(0);
    expect(r.stdout).toBe("[EMAIL] 123-45-6789\n");
  });

  it("tags with a keyed hash when --replace hash has its key in the environment", async () => {
    const env = { MOATKIT_REDACT_HASH_KEY: "0123456789abcdef0123" };
    const a = await runCli(["redact", "--replace", "hash"], { env, input: "ivan@example.com\nivan@example.com\n" });
    expect(a.code).toBe(0);
    const [l1, l2] = a.stdout.split("\n");
    expect(l1).toMatch(/^\[EMAIL:[0-9a-f]+\]$/);
    expect(l2).toBe(l1);
  });

  it.each([
    [["--types", "email,passport"], "--types"],
    [["--types", ","], "--types"],
    [["--types"], "--types"],
    [["--replace", "scramble"], "--replace"],
    [["--replace", "hash"], "MOATKIT_REDACT_HASH_KEY"],
  ])("rejects %j with exit 2 naming %s, printing nothing on stdout", async (args, named) => {
    const r = await runCli(["redact", ...args], { input: "judy@example.com\n" });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(named);
    expect(r.stdout).toBe("");
  });

  it("does not echo a too-short hash key", async () => {
    const r = await runCli(["redact", "--replace", "hash"], {
      env: { MOATKIT_REDACT_HASH_KEY: "shortsecret" },
      input: "",
    });
    expect(r.code).toBe(2);
    expect(r.stderr).not.toContain("shortsecret");
  });
});
