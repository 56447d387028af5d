import { generateKeyPairSync } from "node:crypto";
import { CompactSign, type CryptoKey, type GenerateKeyPairResult, SignJWT, exportJWK, generateKeyPair } from "jose";
import { beforeAll, describe, expect, it } from "vitest";
import { createMemoryAuditStore } from "../../src/adapters/memory/index.js";
import { AUDIT_CHECKPOINT_TYPE, type AuditLog, createAuditLog, verifyAuditCheckpoint } from "../../src/audit/index.js";
import { fakeClock } from "../../src/testing/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";

const orgId = "org_cp";
const record = (log: AuditLog, n: number) =>
  (async () => {
    for (let i = 0; i < n; i++)
      await log.record({ orgId, actor: { userId: "u" }, action: "a.b", target: { type: "t", id: String(i) } });
  })();

let ed: GenerateKeyPairResult;
let p256: GenerateKeyPairResult;
beforeAll(async () => {
  ed = await generateKeyPair("EdDSA");
  p256 = await generateKeyPair("ES256");
});

const sign = (payload: unknown, alg: string, key: CryptoKey, typ: string | null = AUDIT_CHECKPOINT_TYPE) =>
  new CompactSign(new TextEncoder().encode(JSON.stringify(payload)))
    .setProtectedHeader({ alg, ...(typ === null ? {} : { typ }) })
    .sign(key);

describe("checkpoints", () => {
  it("signs { orgId, seq, hash, at } over the head with EdDSA or ES256", async () => {
    const clock = fakeClock(Date.UTC(2026, 5, 1));
    const log = createAuditLog({ store: createMemoryAuditStore(), now: clock.now });
    await record(log, 3);
    const head = await log.verify({ orgId });
    for (const [alg, pair] of [
      ["EdDSA", ed],
      ["ES256", p256],
    ] as const) {
      const jws = await log.checkpoint(orgId, { alg, privateKey: pair.privateKey, kid: "k1" });
      expect(jws.split(".")).toHaveLength(3);
      const header = JSON.parse(Buffer.from(jws.split(".")[0]!, "base64url").toString()) as Record<string, unknown>;
      expect(header).toEqual({ alg, typ: AUDIT_CHECKPOINT_TYPE, kid: "k1" });
      expect(await verifyAuditCheckpoint(jws, pair.publicKey)).toEqual({
        orgId,
        seq: 3,
        hash: head.ok ? head.head?.hash : "",
        at: "2026-06-01T00:00:00.000Z",
      });
    }
  });

  it("accepts Node KeyObjects, JWKs and a JWK set picked by kid", async () => {
    const { privateKey, publicKey } = generateKeyPairSync("ed25519");
    const log = createAuditLog({ store: createMemoryAuditStore() });
    await record(log, 1);
    const jws = await log.checkpoint(orgId, { alg: "EdDSA", privateKey, kid: "new" });
    expect((await verifyAuditCheckpoint(jws, publicKey)).seq).toBe(1);
    const jwk = { ...(await exportJWK(publicKey)), kid: "new" };
    expect((await verifyAuditCheckpoint(jws, jwk)).seq).toBe(1);
    const old = { ...(await exportJWK(ed.publicKey)), kid: "old" };
    expect((await verifyAuditCheckpoint(jws, { keys: [old, jwk] })).seq).toBe(1);
    await expectMoatErrorAsync(verifyAuditCheckpoint(jws, { keys: [old] }), "ERR_INTEGRITY");
  });

  it("signs the empty chain as seq 0 with the genesis hash", async () => {
    const log = createAuditLog({ store: createMemoryAuditStore() });
    const jws = await log.checkpoint("org_empty", { alg: "EdDSA", privateKey: ed.privateKey });
    expect(await verifyAuditCheckpoint(jws, ed.publicKey)).toMatchObject({ seq: 0, hash: "0".repeat(64) });
  });

  it("refuses forged, altered, foreign and malformed checkpoints with ERR_INTEGRITY", async () => {
    const log = createAuditLog({ store: createMemoryAuditStore() });
    await record(log, 1);
    const jws = await log.checkpoint(orgId, { alg: "EdDSA", privateKey: ed.privateKey });
    const [h, p, s] = jws.split(".");
    const payload = JSON.parse(Buffer.from(p!, "base64url").toString()) as Record<string, unknown>;
    const altered = `${h!}.${Buffer.from(JSON.stringify({ ...payload, seq: 2 })).toString("base64url")}.${s!}`;
    const good = { orgId, seq: 1, hash: "a".repeat(64), at: "2026-01-01T00:00:00.000Z" };
    const cases: [string, string][] = [
      [
        "signed by another key",
        await log.checkpoint(orgId, { alg: "EdDSA", privateKey: (await generateKeyPair("EdDSA")).privateKey }),
      ],
      ["with an altered payload", altered],
      ["with the signature cut", `${h!}.${p!}.`],
      [
        "unsigned (alg none)",
        `${Buffer.from(JSON.stringify({ alg: "none", typ: AUDIT_CHECKPOINT_TYPE })).toString("base64url")}.${p!}.`,
      ],
      ["without the checkpoint typ", await sign(good, "EdDSA", ed.privateKey, null)],
      [
        "with another typ (a session JWT)",
        await new SignJWT({ sub: "u" }).setProtectedHeader({ alg: "EdDSA", typ: "JWT" }).sign(ed.privateKey),
      ],
      [
        "with a payload that is not JSON",
        await new CompactSign(new TextEncoder().encode("not json"))
          .setProtectedHeader({ alg: "EdDSA", typ: AUDIT_CHECKPOINT_TYPE })
          .sign(ed.privateKey),
      ],
      ["with a negative seq", await sign({ ...good, seq: -1 }, "EdDSA", ed.privateKey)],
      ["with a short hash", await sign({ ...good, hash: "abc" }, "EdDSA", ed.privateKey)],
      ["with an extra claim", await sign({ ...good, admin: true }, "EdDSA", ed.privateKey)],
      ["with a bad time", await sign({ ...good, at: "yesterday" }, "EdDSA", ed.privateKey)],
      ["that is not a JWS", "hello"],
      ["that is huge", "a".repeat(10_000)],
    ];
    for (const [name, token] of cases) {
      const err = await expectMoatErrorAsync(verifyAuditCheckpoint(token, ed.publicKey), "ERR_INTEGRITY");
      expect(err.message, name).toBe("audit checkpoint does not verify");
    }
    await expectMoatErrorAsync(verifyAuditCheckpoint(5 as never, ed.publicKey), "ERR_INTEGRITY");
  });

  it("refuses an HMAC key and a key that cannot verify, as configuration errors", async () => {
    const log = createAuditLog({ store: createMemoryAuditStore() });
    const jws = await log.checkpoint(orgId, { alg: "EdDSA", privateKey: ed.privateKey });
    await expectMoatErrorAsync(verifyAuditCheckpoint(jws, new Uint8Array(32) as never), "ERR_CONFIG");
    await expectMoatErrorAsync(verifyAuditCheckpoint(jws, p256.publicKey), "ERR_CONFIG");
  });

  it("refuses signers that are malformed or whose key does not fit the algorithm", async () => {
    const log = createAuditLog({ store: createMemoryAuditStore() });
    await expectMoatErrorAsync(
      log.checkpoint(orgId, { alg: "HS256", privateKey: ed.privateKey } as never),
      "ERR_INVALID_INPUT",
    );
    await expectMoatErrorAsync(
      log.checkpoint(orgId, { alg: "EdDSA", privateKey: new Uint8Array(32) } as never),
      "ERR_INVALID_INPUT",
    );
    await expectMoatErrorAsync(log.checkpoint(orgId, null as never), "ERR_INVALID_INPUT");
    await expectMoatErrorAsync(log.checkpoint(orgId, { alg: "ES256", privateKey: ed.privateKey }), "ERR_CONFIG");
    await expectMoatErrorAsync(log.checkpoint(orgId, { alg: "EdDSA", privateKey: ed.publicKey }), "ERR_CONFIG");
    await expectMoatErrorAsync(log.checkpoint("", { alg: "EdDSA", privateKey: ed.privateKey }), "ERR_INVALID_INPUT");
  });

  it("with the previous checkpoint, verifies the events since it before signing", async () => {
    const store = createMemoryAuditStore();
    const log = createAuditLog({ store, checkpointKey: ed.publicKey });
    const signer = { alg: "EdDSA" as const, privateKey: ed.privateKey };
    await record(log, 3);
    const first = await log.checkpoint(orgId, signer);
    await record(log, 2);
    const second = await log.checkpoint(orgId, signer, { previous: first });
    expect((await verifyAuditCheckpoint(second, ed.publicKey)).seq).toBe(5);
    // A previous checkpoint that does not match the chain any more stops the next one.
    const forgedPrevious = await sign(
      { orgId, seq: 3, hash: "b".repeat(64), at: "2026-01-01T00:00:00.000Z" },
      "EdDSA",
      ed.privateKey,
    );
    const err = await expectMoatErrorAsync(
      log.checkpoint(orgId, signer, { previous: forgedPrevious }),
      "ERR_INTEGRITY",
    );
    expect(err.details).toEqual({ reason: "checkpoint_mismatch", seq: 3 });
    await expectMoatErrorAsync(
      createAuditLog({ store }).checkpoint(orgId, signer, { previous: first }),
      "ERR_INVALID_INPUT",
    );
  });
});
