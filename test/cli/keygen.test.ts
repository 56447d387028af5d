import { beforeAll, describe, expect, it } from "vitest";
import { parseMasterKeys } from "../../src/crypto/index.js";
import { createKeySet, createTokens, SIGNING_ALGORITHMS, type KeySetEntry } from "../../src/sessions/index.js";
import { ensureBuilt, runCli } from "./bin.js";

beforeAll(ensureBuilt, 120_000);

async function signsAndVerifies(entry: KeySetEntry): Promise<boolean> {
  const tokens = createTokens({ keys: createKeySet([entry]), issuer: "https://cli.test", audience: "api" });
  const token = await tokens.sign({ sub: "u1" });
  return (await tokens.verify(token)).ok;
}

describe("moatkit --help", () => {
  it.each([
    [[]],
    [["keygen"]],
    [["keygen", "master"]],
    [["keygen", "signing"]],
    [["rewrap"]],
    [["audit"]],
    [["audit", "verify"]],
    [["redact"]],
    [["rls"]],
    [["rls", "check"]],
  ])("moatkit %j --help prints usage and exits 0", async (args) => {
    const r = await runCli([...args, "--help"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Usage: moatkit/);
  });

  it("an unknown command is a usage error (exit 2)", async () => {
    const r = await runCli(["frobnicate"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/unknown command 'frobnicate'/);
  });

  it("never echoes the value of an unknown --option=value, which may be a secret", async () => {
    const r = await runCli(["keygen", "master", "--master-key=k1:c2VjcmV0LXNlY3JldC1zZWNyZXQtc2VjcmV0LXNlYw=="]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--master-key");
    expect(r.stderr).not.toContain("c2VjcmV0");
  });
});

describe("moatkit keygen master", () => {
  it("prints one MOATKIT_MASTER_KEYS entry that parses as a 32-byte key", async () => {
    const r = await runCli(["keygen", "master"]);
    expect(r.code).toBe(0);
    const entry = r.stdout.trim();
    expect(entry).toMatch(/^k\d{8}[0-9A-Za-z]{4}:[A-Za-z0-9+/]{43}=$/);
    const keyring = parseMasterKeys(entry);
    expect(keyring.primaryKeyId).toBe(entry.split(":")[0]);
    expect(r.stderr).toContain("MOATKIT_MASTER_KEYS");
  });

  it("prints a different key each time", async () => {
    const [a, b] = await Promise.all([runCli(["keygen", "master"]), runCli(["keygen", "master"])]);
    expect(a.stdout).not.toBe(b.stdout);
  });

  it("takes --id", async () => {
    const r = await runCli(["keygen", "master", "--id", "k2030"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^k2030:/);
  });

  it.each(["", "has space", "x".repeat(33), "k:1"])("rejects --id %j with exit 2", async (id) => {
    const r = await runCli(["keygen", "master", "--id", id]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("--id");
    expect(r.stdout).toBe("");
  });
});

describe("moatkit keygen signing", () => {
  it.each(SIGNING_ALGORITHMS)(
    "prints a %s key that createKeySet accepts and signs with",
    async (alg) => {
      const r = await runCli(["keygen", "signing", "--alg", alg, "--kid", `cli-${alg}`]);
      expect(r.code).toBe(0);
      const entry = JSON.parse(r.stdout) as KeySetEntry;
      expect(entry).toMatchObject({ kid: `cli-${alg}`, alg, use: "sign" });
      expect(await signsAndVerifies(entry)).toBe(true);
    },
    20_000,
  );

  it("prints an asymmetric key as PKCS#8 PEM with --format pem", async () => {
    const r = await runCli(["keygen", "signing", "--alg", "ES256", "--format", "pem"]);
    expect(r.code).toBe(0);
    const entry = JSON.parse(r.stdout) as KeySetEntry & { key: string };
    expect(entry.key).toMatch(/^-----BEGIN PRIVATE KEY-----\n/);
    expect(await signsAndVerifies(entry)).toBe(true);
  });

  it.each([
    [["--alg", "none"], "--alg"],
    [["--alg", "hs256"], "--alg"],
    [[], "--alg"],
    [["--alg", "HS256", "--format", "pem"], "--format"],
    [["--alg", "EdDSA", "--format", "der"], "--format"],
    [["--alg", "EdDSA", "--kid", "bad kid"], "--kid"],
  ])("rejects %j with exit 2 naming %s", async (args, flag) => {
    const r = await runCli(["keygen", "signing", ...args]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(flag);
    expect(r.stdout).toBe("");
  });
});
