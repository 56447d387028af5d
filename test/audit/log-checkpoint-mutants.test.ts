import { generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { createMemoryAuditStore } from "../../src/adapters/memory/index.js";
import { createAuditLog, verifyAuditCheckpoint } from "../../src/audit/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";
import { arrayStore, baseChain, setPath } from "./tamper.js";

const orgId = "org_lcm";

describe("AuditLog.checkpoint input checks", () => {
  it("names the org id and the options when they are malformed", async () => {
    const { privateKey } = await generateKeyPair("EdDSA");
    const log = createAuditLog({ store: createMemoryAuditStore() });
    const bad = await expectMoatErrorAsync(log.checkpoint("", { alg: "EdDSA", privateKey }), "ERR_INVALID_INPUT");
    expect(bad.message).toBe("invalid audit org id");
    const opts = await expectMoatErrorAsync(
      log.checkpoint(orgId, { alg: "EdDSA", privateKey }, { previous: 5 } as never),
      "ERR_INVALID_INPUT",
    );
    expect(opts.message).toBe('invalid audit checkpoint options at "previous"');
  });

  it("says that checking the previous checkpoint needs the checkpointKey", async () => {
    const { privateKey } = await generateKeyPair("EdDSA");
    const log = createAuditLog({ store: createMemoryAuditStore() });
    const first = await log.checkpoint(orgId, { alg: "EdDSA", privateKey });
    const err = await expectMoatErrorAsync(
      log.checkpoint(orgId, { alg: "EdDSA", privateKey }, { previous: first }),
      "ERR_INVALID_INPUT",
    );
    expect(err.message).toBe("checking the previous checkpoint needs the log's checkpointKey");
  });
});

describe("AuditLog.checkpoint with a previous checkpoint", () => {
  it("chains onto a previous checkpoint of the empty chain (seq 0)", async () => {
    const { privateKey, publicKey } = await generateKeyPair("EdDSA");
    const signer = { alg: "EdDSA" as const, privateKey };
    const store = createMemoryAuditStore();
    const log = createAuditLog({ store, checkpointKey: publicKey });
    const empty = await log.checkpoint(orgId, signer);
    expect((await verifyAuditCheckpoint(empty, publicKey)).seq).toBe(0);
    for (let i = 0; i < 2; i++)
      await log.record({ orgId, actor: { userId: "u" }, action: "a.b", target: { type: "t", id: String(i) } });
    const next = await log.checkpoint(orgId, signer, { previous: empty });
    expect((await verifyAuditCheckpoint(next, publicKey)).seq).toBe(2);
  });

  it("verifies only the events from the previous checkpoint on, not those before it", async () => {
    const { privateKey, publicKey } = await generateKeyPair("EdDSA");
    const signer = { alg: "EdDSA" as const, privateKey };
    const rows = await baseChain(orgId, 8);
    const previous = await createAuditLog({ store: arrayStore(rows.slice(0, 5)) }).checkpoint(orgId, signer);
    expect((await verifyAuditCheckpoint(previous, publicKey)).seq).toBe(5);
    // An event before the previous checkpoint is damaged: the whole chain no longer verifies...
    setPath(rows[1]!, "action", "nothing.happened");
    const log = createAuditLog({ store: arrayStore(rows), checkpointKey: publicKey });
    expect(await log.verify({ orgId })).toMatchObject({ ok: false, reason: "modified", seq: 2 });
    // ...but the checkpoint after it covers only events 5…8, which are intact.
    const next = await log.checkpoint(orgId, signer, { previous });
    expect(await verifyAuditCheckpoint(next, publicKey)).toMatchObject({ orgId, seq: 8, hash: rows[7]!.hash });
  });

  it("names the checkpoint when the chain since the previous one does not verify", async () => {
    const { privateKey, publicKey } = await generateKeyPair("EdDSA");
    const signer = { alg: "EdDSA" as const, privateKey };
    const rows = await baseChain(orgId, 6);
    const previous = await createAuditLog({ store: arrayStore(rows.slice(0, 3)) }).checkpoint(orgId, signer);
    setPath(rows[4]!, "action", "nothing.happened");
    const log = createAuditLog({ store: arrayStore(rows), checkpointKey: publicKey });
    const err = await expectMoatErrorAsync(log.checkpoint(orgId, signer, { previous }), "ERR_INTEGRITY");
    expect(err.message).toBe("checkpoint: the audit chain does not verify");
    expect(err.details).toEqual({ reason: "modified", seq: 5 });
  });
});

describe("AuditLog.checkpoint without a previous checkpoint", () => {
  it("refuses to sign a head whose hash its row does not have", async () => {
    const { privateKey } = await generateKeyPair("EdDSA");
    const rows = await baseChain(orgId, 4);
    const store = arrayStore(rows);
    const lying = { ...store, getAuditChainHead: async () => ({ seq: 4, hash: "b".repeat(64) }) };
    const err = await expectMoatErrorAsync(
      createAuditLog({ store: lying }).checkpoint(orgId, { alg: "EdDSA", privateKey }),
      "ERR_INTEGRITY",
    );
    expect(err.message).toBe("checkpoint: the audit chain does not verify");
    expect(err.details).toEqual({ reason: "checkpoint_mismatch", seq: 4 });
  });
});
