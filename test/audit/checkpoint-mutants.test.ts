import { CompactSign, type CryptoKey, SignJWT, exportJWK, generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { createMemoryAuditStore } from "../../src/adapters/memory/index.js";
import {
  AUDIT_ANCHOR_TYPE,
  AUDIT_CHECKPOINT_TYPE,
  isCheckpointKey,
  parseSigner,
  signAuditAnchor,
  signAuditCheckpoint,
  verifyAuditAnchor,
  verifyAuditCheckpoint,
} from "../../src/audit/checkpoint.js";
import { createAuditLog } from "../../src/audit/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";

const orgId = "org_cpm";
const point = { orgId, seq: 3, hash: "a".repeat(64), at: "2026-01-01T00:00:00.000Z" };

const signRaw = (payload: unknown, key: CryptoKey, header: Record<string, unknown>) =>
  new CompactSign(new TextEncoder().encode(typeof payload === "string" ? payload : JSON.stringify(payload)))
    .setProtectedHeader({ alg: "EdDSA", ...header })
    .sign(key);

const b64len = (text: string) => Buffer.from(text).toString("base64url").length;

describe("checkpoint signers", () => {
  it("refuses a private key that is null or a string as invalid input", async () => {
    const { privateKey } = await generateKeyPair("EdDSA");
    const log = createAuditLog({ store: createMemoryAuditStore() });
    for (const bad of [null, "-----BEGIN PRIVATE KEY-----"]) {
      const err = await expectMoatErrorAsync(
        log.checkpoint(orgId, { alg: "EdDSA", privateKey: bad } as never),
        "ERR_INVALID_INPUT",
      );
      expect(err.message).toBe('invalid checkpoint signer at "privateKey"');
    }
    // The same key, well-formed, is accepted.
    await expect(log.checkpoint(orgId, { alg: "EdDSA", privateKey })).resolves.toMatch(/^[\w-]+\.[\w-]+\.[\w-]+$/);
  });

  it("names the checkpoint signer when it is malformed", async () => {
    const { privateKey } = await generateKeyPair("EdDSA");
    const log = createAuditLog({ store: createMemoryAuditStore() });
    const err = await expectMoatErrorAsync(
      log.checkpoint(orgId, { alg: "HS256", privateKey } as never),
      "ERR_INVALID_INPUT",
    );
    expect(err.message).toBe('invalid checkpoint signer at "alg"');
  });

  it("parseSigner returns no kid member when none is given", async () => {
    const { privateKey } = await generateKeyPair("EdDSA");
    const parsed = parseSigner({ alg: "EdDSA", privateKey });
    expect(parsed).toStrictEqual({ alg: "EdDSA", privateKey });
    expect("kid" in parsed).toBe(false);
    expect(parseSigner({ alg: "EdDSA", privateKey, kid: "k" })).toStrictEqual({ alg: "EdDSA", privateKey, kid: "k" });
  });

  it("says why a key that does not fit its algorithm cannot sign", async () => {
    const { privateKey } = await generateKeyPair("EdDSA");
    const err = await expectMoatErrorAsync(signAuditCheckpoint(point, { alg: "ES256", privateKey }), "ERR_CONFIG");
    expect(err.message).toBe("the checkpoint signer's key cannot sign with its algorithm");
    expect(err.cause).toBeDefined();
  });
});

describe("isCheckpointKey", () => {
  it("accepts objects only, not null, primitives or bytes", () => {
    expect(isCheckpointKey(null)).toBe(false);
    expect(isCheckpointKey("-----BEGIN PUBLIC KEY-----")).toBe(false);
    expect(isCheckpointKey(5)).toBe(false);
    expect(isCheckpointKey(undefined)).toBe(false);
    expect(isCheckpointKey(new Uint8Array(32))).toBe(false);
    expect(isCheckpointKey({ kty: "OKP" })).toBe(true);
    expect(isCheckpointKey({ keys: [] })).toBe(true);
  });
});

describe("verifyAuditCheckpoint edge cases", () => {
  it("reports problem invalid for an oversized, forged, non-JSON or wrongly typed token", async () => {
    const ed = await generateKeyPair("EdDSA");
    const other = await generateKeyPair("EdDSA");
    const tokens = [
      "a".repeat(5000),
      await signAuditCheckpoint(point, { alg: "EdDSA", privateKey: other.privateKey }),
      await signRaw("not json", ed.privateKey, { typ: AUDIT_CHECKPOINT_TYPE }),
      await new SignJWT({ sub: "u" }).setProtectedHeader({ alg: "EdDSA", typ: "JWT" }).sign(ed.privateKey),
    ];
    for (const token of tokens) {
      const err = await expectMoatErrorAsync(verifyAuditCheckpoint(token, ed.publicKey), "ERR_INTEGRITY");
      expect(err.details).toEqual({ problem: "invalid" });
      expect(err.message).toBe("audit checkpoint does not verify");
    }
  });

  it("refuses a JWS given as bytes instead of a string", async () => {
    const ed = await generateKeyPair("EdDSA");
    const jws = await signAuditCheckpoint(point, { alg: "EdDSA", privateKey: ed.privateKey });
    expect(await verifyAuditCheckpoint(jws, ed.publicKey)).toEqual(point);
    const err = await expectMoatErrorAsync(
      verifyAuditCheckpoint(new TextEncoder().encode(jws) as never, ed.publicKey),
      "ERR_INTEGRITY",
    );
    expect(err.details).toEqual({ problem: "invalid" });
  });

  it("accepts a validly signed checkpoint of exactly 4096 characters and refuses one just over", async () => {
    const ed = await generateKeyPair("EdDSA");
    // EdDSA signatures are 64 bytes: 86 base64url characters, plus two dots.
    let found: { org: string; kid: string } | undefined;
    for (let o = 5; o < 12 && found === undefined; o++) {
      const org = `org_${"x".repeat(o)}`;
      const payloadLen = b64len(JSON.stringify({ ...point, orgId: org }));
      for (let k = 2500; k < 3200; k++) {
        const kid = "k".repeat(k);
        if (b64len(JSON.stringify({ alg: "EdDSA", typ: AUDIT_CHECKPOINT_TYPE, kid })) + payloadLen + 88 === 4096) {
          found = { org, kid };
          break;
        }
      }
    }
    expect(found).toBeDefined();
    const { org, kid } = found!;
    const exact = await signRaw({ ...point, orgId: org }, ed.privateKey, { typ: AUDIT_CHECKPOINT_TYPE, kid });
    expect(exact).toHaveLength(4096);
    expect(await verifyAuditCheckpoint(exact, ed.publicKey)).toEqual({ ...point, orgId: org });
    const over = await signRaw({ ...point, orgId: org }, ed.privateKey, {
      typ: AUDIT_CHECKPOINT_TYPE,
      kid: `${kid}kk`,
    });
    expect(over.length).toBeGreaterThan(4096);
    const err = await expectMoatErrorAsync(verifyAuditCheckpoint(over, ed.publicKey), "ERR_INTEGRITY");
    expect(err.details).toEqual({ problem: "invalid" });
  });

  it("refuses a key that is not an object with a configuration error that says so", async () => {
    const ed = await generateKeyPair("EdDSA");
    const jws = await signAuditCheckpoint(point, { alg: "EdDSA", privateKey: ed.privateKey });
    for (const key of [null, new Uint8Array(32), "pem"]) {
      const err = await expectMoatErrorAsync(verifyAuditCheckpoint(jws, key as never), "ERR_CONFIG");
      expect(err.message).toBe("a checkpoint key must be a public key or a JWK set");
    }
  });

  it("refuses a key of the wrong kind or a malformed JWK set as a configuration error", async () => {
    const ed = await generateKeyPair("EdDSA");
    const p256 = await generateKeyPair("ES256");
    const jws = await signAuditCheckpoint(point, { alg: "EdDSA", privateKey: ed.privateKey });
    for (const key of [p256.publicKey, { keys: [1] }]) {
      const err = await expectMoatErrorAsync(verifyAuditCheckpoint(jws, key as never), "ERR_CONFIG");
      expect(err.message).toBe("the checkpoint key cannot verify EdDSA or ES256 signatures");
      expect(err.cause).toBeDefined();
    }
  });

  it("treats a JWK with a stray non-array keys member as a single key, not a set", async () => {
    const ed = await generateKeyPair("EdDSA", { extractable: true });
    const jws = await signAuditCheckpoint(point, { alg: "EdDSA", privateKey: ed.privateKey });
    const jwk = { ...(await exportJWK(ed.publicKey)), keys: 1 };
    expect(await verifyAuditCheckpoint(jws, jwk as never)).toEqual(point);
  });
});

describe("verifyAuditAnchor", () => {
  it("verifies an anchor and returns what it attests", async () => {
    const ed = await generateKeyPair("EdDSA");
    const jws = await signAuditAnchor(point, { alg: "EdDSA", privateKey: ed.privateKey });
    expect(await verifyAuditAnchor(jws, ed.publicKey)).toEqual(point);
  });

  it("refuses a checkpoint as the anchor, saying why", async () => {
    const ed = await generateKeyPair("EdDSA");
    const jws = await signAuditCheckpoint(point, { alg: "EdDSA", privateKey: ed.privateKey });
    const err = await expectMoatErrorAsync(verifyAuditAnchor(jws, ed.publicKey), "ERR_INTEGRITY");
    expect(err.details).toEqual({ problem: "checkpoint_as_anchor" });
    expect(err.message).toBe(
      "a checkpoint is not a prune anchor: refused as the anchor (anchors written before moatkit 0.3.0 look the same)",
    );
  });

  it("refuses malformed, foreign-typed and out-of-range anchors as a prune anchor that does not verify", async () => {
    const ed = await generateKeyPair("EdDSA");
    const tokens = [
      "hello",
      "a".repeat(5000),
      await new SignJWT({ sub: "u" }).setProtectedHeader({ alg: "EdDSA", typ: "JWT" }).sign(ed.privateKey),
      await signRaw({ ...point, seq: 0, purpose: "prune-anchor" }, ed.privateKey, { typ: AUDIT_ANCHOR_TYPE }),
      await signRaw(point, ed.privateKey, { typ: AUDIT_ANCHOR_TYPE }),
    ];
    for (const token of tokens) {
      const err = await expectMoatErrorAsync(verifyAuditAnchor(token, ed.publicKey), "ERR_INTEGRITY");
      expect(err.message).toBe("audit prune anchor does not verify");
      expect(err.details).toEqual({ problem: "invalid" });
    }
  });
});
