/**
 * No error message, error detail or `inspect` output may contain key bytes or plaintext. This
 * drives every failure path it can reach with known keys and plaintext, then scans the text.
 */
import { inspect } from "node:util";
import { describe, expect, it } from "vitest";
import { createMemoryDataKeyStore } from "../../src/adapters/memory/index.js";
import { masterKeyBytes } from "../../src/crypto/keyring.js";
import { createBlindIndex, createEnvelope, generateMasterKey, parseMasterKeys } from "../../src/crypto/index.js";
import { isMoatError } from "../../src/errors.js";
import { testKeyring } from "../../src/testing/index.js";

const PLAINTEXT = "PLAINTEXT-4f9a-very-secret-value";

function forms(bytes: Uint8Array): string[] {
  const b = Buffer.from(bytes);
  // Any 12-byte window of the key in the encodings a leak would likely use.
  return [b.toString("hex"), b.toString("base64"), b.toString("base64url"), [...b].join(", ")].flatMap((s) => [
    s.slice(0, 16),
    s.slice(-16),
  ]);
}

describe("no secrets in errors or inspect output", () => {
  it("scans every reachable failure and every public object", async () => {
    const keyring = testKeyring(["k2", "k1"]);
    const secrets = [PLAINTEXT, ...forms(masterKeyBytes(keyring, "k1")!), ...forms(masterKeyBytes(keyring, "k2")!)];
    const store = createMemoryDataKeyStore();
    const envelope = createEnvelope({ keyring, dataKeys: store });
    const stateless = createEnvelope({ keyring });
    const context = { table: "t", column: "c", rowId: 1 };
    const token = await envelope.encrypt(PLAINTEXT, { context, tenantId: "t1" });
    const statelessToken = await stateless.encryptBytes(PLAINTEXT, { context });
    const texts: string[] = [];
    const capture = async (fn: () => unknown) => {
      try {
        await fn();
      } catch (err) {
        expect(isMoatError(err), String(err)).toBe(true);
        texts.push(
          String(err),
          inspect(err, { depth: 10 }),
          JSON.stringify(err),
          JSON.stringify((err as { details?: unknown }).details ?? null),
        );
      }
    };
    await capture(() => envelope.decrypt(token, { context: { ...context, rowId: 2 }, tenantId: "t1" }));
    await capture(() => envelope.decrypt(token, { context, tenantId: "t2" }));
    await capture(() => envelope.decrypt(token.slice(0, -3), { context, tenantId: "t1" }));
    await capture(() => stateless.decrypt(statelessToken.subarray(0, 80), { context }));
    await capture(() => envelope.decryptString(token.replace("mk2Ck2__", "mk2Dxk2_"), { context }));
    await capture(() => envelope.encrypt(PLAINTEXT, { context: { nested: { PLAINTEXT } } as never }));
    await capture(() => envelope.encrypt(PLAINTEXT, undefined as never));
    await capture(() => createEnvelope({ keyring, cacheTtl: PLAINTEXT }));
    await capture(() =>
      parseMasterKeys(`k1:${Buffer.from(masterKeyBytes(keyring, "k1")!).toString("base64").slice(0, -2)}`),
    );
    await capture(() =>
      parseMasterKeys(
        `k1:${Buffer.from(masterKeyBytes(keyring, "k1")!).toString("base64")},k1:${Buffer.from(masterKeyBytes(keyring, "k2")!).toString("base64")}`,
      ),
    );
    await capture(() => createBlindIndex({ keyring, name: PLAINTEXT, bits: 8 }));
    await envelope.keys.shredTenant("t1");
    await capture(() => envelope.decrypt(token, { context, tenantId: "t1" }));
    await capture(() => createEnvelope({ keyring: testKeyring(["other"]) }).decrypt(statelessToken, { context }));
    expect(texts.length).toBeGreaterThanOrEqual(13 * 4);

    const generated = generateMasterKey();
    secrets.push(...forms(generated.key.reveal()));
    texts.push(
      inspect(keyring, { depth: 10, showHidden: true }),
      inspect(envelope, { depth: 10, showHidden: true }),
      inspect(createBlindIndex({ keyring, name: "n", bits: 32 }), { depth: 10, showHidden: true }),
      inspect(generated, { depth: 10, showHidden: true }),
      JSON.stringify(generated),
      JSON.stringify(keyring),
    );
    for (const text of texts)
      for (const secret of secrets) expect(text, `leaked in: ${text.slice(0, 200)}`).not.toContain(secret);
  });
});
