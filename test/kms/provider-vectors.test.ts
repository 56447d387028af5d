/**
 * The embedded, provider-wrapped key mode (suite 0x31 / 0x32, docs/format.md) as fixed vectors:
 * tokens made by the deterministic test provider with a seeded random source. The committed JSON
 * is the format's memory: regenerating must give the same bytes, and the committed tokens must
 * decrypt. Then the parser's refusals of malformed and tampered provider-wrapped tokens.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type AeadAlgorithm, type Envelope, createEnvelope, createKeyring } from "../../src/crypto/index.js";
import { toStringForm } from "../../src/crypto/format.js";
import { isMoatError } from "../../src/errors.js";
import { seededRandom } from "../crypto/helpers.js";
import { deterministicProvider } from "./test-provider.js";

const FILE = new URL("../vectors/moatkit/envelope-provider.json", import.meta.url);
const SECRET = Buffer.alloc(32, 0x5a);
const KEY_ID = "kms2026";
const context = { table: "integrations", column: "api_key", rowId: 7 };

interface ProviderVector {
  name: string;
  algorithm: AeadAlgorithm;
  seed: number;
  plaintextUtf8: string;
  suite: string;
  wrappedHex: string;
  token: string;
  binaryHex: string;
}

function envelope(algorithm: AeadAlgorithm = "aes-256-gcm", seed = 1): Envelope {
  return createEnvelope({
    keyring: createKeyring([{ id: KEY_ID, provider: deterministicProvider(SECRET) }]),
    algorithm,
    random: seededRandom(seed),
  });
}

async function build(): Promise<ProviderVector[]> {
  const cases: [string, AeadAlgorithm, number, string][] = [
    ["aes-256-gcm, embedded provider-wrapped", "aes-256-gcm", 7, "sk_live_4eC39HqLyjWDarjtT1zdp7dc"],
    ["xchacha20-poly1305, embedded provider-wrapped", "xchacha20-poly1305", 11, "ünïcødé ✓"],
    ["aes-256-gcm, empty plaintext", "aes-256-gcm", 13, ""],
  ];
  const out: ProviderVector[] = [];
  for (const [name, algorithm, seed, plaintextUtf8] of cases) {
    const binary = await envelope(algorithm, seed).encryptBytes(plaintextUtf8, { context });
    const refStart = 2 + KEY_ID.length + 1;
    const length = ((binary[refStart] ?? 0) << 8) | (binary[refStart + 1] ?? 0);
    out.push({
      name,
      algorithm,
      seed,
      plaintextUtf8,
      suite: `0x${(binary[2 + KEY_ID.length] ?? 0).toString(16)}`,
      wrappedHex: Buffer.from(binary.subarray(refStart + 2, refStart + 2 + length)).toString("hex"),
      token: toStringForm(binary),
      binaryHex: Buffer.from(binary).toString("hex"),
    });
  }
  return out;
}

const HEADER = {
  source:
    "moatkit test/kms/provider-vectors.test.ts (MOATKIT_WRITE_VECTORS=1); see README.md. Do not regenerate to make a test pass.",
  format: "docs/format.md#provider-wrapped-data-keys-suites-0x31-0x32",
  description:
    "Stateless tokens whose data key is wrapped by a key provider (suites 0x31/0x32): made by the deterministic test provider (test/kms/test-provider.ts) with a seeded random source, for both AEADs and an empty plaintext.",
};

if (process.env.MOATKIT_WRITE_VECTORS === "1")
  writeFileSync(
    FILE,
    `${JSON.stringify({ ...HEADER, secretHex: SECRET.toString("hex"), keyId: KEY_ID, context, cases: await build() }, null, 2)}\n`,
  );
const committed = JSON.parse(readFileSync(FILE, "utf8")) as { cases: ProviderVector[] };

async function refusal(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (error) {
    if (isMoatError(error)) return error.code;
    throw error;
  }
  return "decrypted";
}

describe("envelope vectors: embedded, provider-wrapped data keys", () => {
  it("regenerates the committed tokens byte for byte", async () => {
    expect(await build()).toEqual(committed.cases);
  });

  for (const v of committed.cases) {
    it(`decrypts the committed ${v.name} token in both forms, and lays it out as documented`, async () => {
      expect(v.suite).toBe(v.algorithm === "aes-256-gcm" ? "0x31" : "0x32");
      const binary = Buffer.from(v.binaryHex, "hex");
      const wrapped = Buffer.from(v.wrappedHex, "hex");
      const refStart = 2 + KEY_ID.length + 1;
      expect(binary.readUInt16BE(refStart)).toBe(wrapped.length);
      expect(binary.subarray(refStart + 2, refStart + 2 + wrapped.length).equals(wrapped)).toBe(true);
      expect(v.token.startsWith("mk2H" + KEY_ID)).toBe(true);
      expect(await envelope().decryptString(v.token, { context })).toBe(v.plaintextUtf8);
      expect(await envelope().decryptString(new Uint8Array(binary), { context })).toBe(v.plaintextUtf8);
    });
  }

  it("refuses a keyRef length of 0, above 2048, or past the end of the token, and an unknown key mode", async () => {
    const v = committed.cases[0]!;
    const refStart = 2 + KEY_ID.length + 1;
    const at = (mutate: (b: Buffer) => Buffer) => mutate(Buffer.from(v.binaryHex, "hex"));
    const bad = [
      at((b) => (b.writeUInt16BE(0, refStart), b)),
      at((b) => (b.writeUInt16BE(2049, refStart), b)),
      at((b) => (b.writeUInt16BE(0xffff, refStart), b)),
      at((b) => (b.writeUInt16BE(b.length, refStart), b)),
      at((b) => b.subarray(0, refStart + 1)),
      at((b) => b.subarray(0, refStart + 2 + 20)),
      at((b) => ((b[refStart - 1] = 0x41), b)),
      at((b) => ((b[refStart - 1] = 0x33), b)),
      at((b) => ((b[refStart - 1] = 0x21), b)),
    ];
    for (const token of bad)
      expect(await refusal(envelope().decrypt(new Uint8Array(token), { context }))).toBe("ERR_DECRYPT");
  });

  it("refuses every single-byte change and every truncation of a provider-wrapped token", async () => {
    const original = Buffer.from(committed.cases[2]!.binaryHex, "hex");
    const reader = envelope();
    for (let i = 0; i < original.length; i++) {
      const tampered = Buffer.from(original);
      tampered[i] = (tampered[i] ?? 0) ^ 0x01;
      expect(["ERR_DECRYPT", "ERR_INVALID_INPUT", "ERR_KEY_NOT_FOUND"]).toContain(
        await refusal(reader.decrypt(new Uint8Array(tampered), { context })),
      );
      expect(["ERR_DECRYPT", "ERR_INVALID_INPUT"]).toContain(
        await refusal(reader.decrypt(new Uint8Array(original.subarray(0, i)), { context })),
      );
    }
  });
});
