/**
 * verifySignedPoints, the anchor and checkpoints a chain is verified against: the seq reported
 * for an anchor that does not verify, the detail of each anchor problem, legacy anchors at seq 0
 * and 1, keys that cannot verify, the messages of caller errors, and checkpoints that disagree
 * with each other or with the anchor.
 */
import { generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import { AUDIT_ANCHOR_TYPE, type AuditCheckpoint } from "../../src/audit/index.js";
import { signAuditAnchor, signAuditCheckpoint } from "../../src/audit/checkpoint.js";
import { EMPTY_CHAIN_HEAD } from "../../src/audit/event.js";
import { verifySignedPoints } from "../../src/audit/signed-points.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";
import { checkpointKeys } from "./tamper.js";

const ORG = "org_sp";
const AT = "2026-01-01T00:00:00.000Z";
const H1 = "1".repeat(64);
const H2 = "2".repeat(64);

const DETAIL_INVALID =
  "the prune anchor does not verify under the checkpoint key, so events before it may have been deleted";
const DETAIL_ORG = "the prune anchor belongs to another organisation, so events before it may have been deleted";

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString("base64url");

/** A JWS-shaped anchor whose signature is junk, with `payload` as its payload. */
function unsignedAnchor(payload: unknown): string {
  return `${b64({ alg: "EdDSA", typ: AUDIT_ANCHOR_TYPE })}.${b64(payload)}.${Buffer.from("sig").toString("base64url")}`;
}

const point = (seq: number, hash: string, orgId = ORG): AuditCheckpoint => ({ orgId, seq, hash, at: AT });

describe("verifySignedPoints: the seq reported for an anchor that does not verify", () => {
  it("reports the seq the anchor claims when it is a non-negative safe integer, else 0", async () => {
    const { publicKey } = await checkpointKeys();
    const cases: [unknown, unknown][] = [
      [{ orgId: ORG, seq: 7 }, 7],
      [{ orgId: ORG, seq: 0 }, 0],
      [{ orgId: ORG, seq: -5 }, 0],
      [{ orgId: ORG, seq: 1.5 }, 0],
      [{ orgId: ORG, seq: "7" }, 0],
      [{ orgId: ORG, seq: 2 ** 53 }, 0],
      [{ orgId: ORG }, 0],
      [null, 0],
      [5, 0],
    ];
    for (const [payload, seq] of cases) {
      const result = await verifySignedPoints(ORG, { jws: unsignedAnchor(payload) }, [], publicKey);
      expect(result, JSON.stringify(payload)).toEqual({
        ok: false,
        failure: { ok: false, reason: "anchor_invalid", seq, detail: DETAIL_INVALID },
      });
    }
  });

  it("reports seq 0 for an anchor that is not a JWS at all", async () => {
    const { publicKey } = await checkpointKeys();
    for (const jws of ["not-a-jws", "a.!!!.c", `${b64({})}.${b64("x").slice(0, -1)}!.c`]) {
      const result = await verifySignedPoints(ORG, { jws }, [], publicKey);
      expect(result, jws).toEqual({
        ok: false,
        failure: { ok: false, reason: "anchor_invalid", seq: 0, detail: DETAIL_INVALID },
      });
    }
  });

  it("reports the seq the anchor is stored under when given, over the one it claims", async () => {
    const { publicKey } = await checkpointKeys();
    const result = await verifySignedPoints(ORG, { jws: unsignedAnchor({ seq: 7 }), seq: 3 }, [], publicKey);
    expect(result).toMatchObject({ ok: false, failure: { reason: "anchor_invalid", seq: 3 } });
  });
});

describe("verifySignedPoints: anchors", () => {
  it("an anchor signed by another key is invalid with the 'does not verify' detail, not the checkpoint one", async () => {
    const keys = await checkpointKeys();
    const other = await checkpointKeys();
    const jws = await signAuditAnchor(point(4, H1), other.signer);
    const result = await verifySignedPoints(ORG, { jws }, [], keys.publicKey);
    expect(result).toEqual({
      ok: false,
      failure: { ok: false, reason: "anchor_invalid", seq: 4, detail: DETAIL_INVALID },
    });
  });

  it("an anchor of another organisation is invalid with the organisation detail", async () => {
    const keys = await checkpointKeys();
    const jws = await signAuditAnchor(point(4, H1, "org_other"), keys.signer);
    const result = await verifySignedPoints(ORG, { jws }, [], keys.publicKey);
    expect(result).toEqual({ ok: false, failure: { ok: false, reason: "anchor_invalid", seq: 4, detail: DETAIL_ORG } });
  });

  it("a key that cannot verify the anchor's algorithm is ERR_CONFIG, not an invalid anchor", async () => {
    const keys = await checkpointKeys();
    const p256 = await generateKeyPair("ES256");
    const jws = await signAuditAnchor(point(4, H1), keys.signer);
    await expectMoatErrorAsync(verifySignedPoints(ORG, { jws }, [], p256.publicKey), "ERR_CONFIG");
  });

  it("a vouched legacy anchor at seq 1 is the start; one at seq 0 is invalid", async () => {
    const keys = await checkpointKeys();
    const one = await signAuditCheckpoint(point(1, H1), keys.signer);
    expect(await verifySignedPoints(ORG, { jws: one }, [], keys.publicKey, one)).toEqual({
      ok: true,
      start: { seq: 1, hash: H1 },
      checkpoints: new Map(),
    });
    const zero = await signAuditCheckpoint(point(0, H1), keys.signer);
    expect(await verifySignedPoints(ORG, { jws: zero }, [], keys.publicKey, zero)).toEqual({
      ok: false,
      failure: { ok: false, reason: "anchor_invalid", seq: 0, detail: DETAIL_INVALID },
    });
  });

  it("a vouched legacy anchor whose payload is not a checkpoint is invalid, not thrown", async () => {
    const keys = await checkpointKeys();
    const jws = await signAuditCheckpoint(point(3, "not-a-hash"), keys.signer);
    expect(await verifySignedPoints(ORG, { jws }, [], keys.publicKey, jws)).toEqual({
      ok: false,
      failure: { ok: false, reason: "anchor_invalid", seq: 3, detail: DETAIL_INVALID },
    });
  });
});

describe("verifySignedPoints: caller errors", () => {
  it("without a key: the message says the log was pruned when there is an anchor", async () => {
    const err = await expectMoatErrorAsync(
      verifySignedPoints(ORG, { jws: unsignedAnchor({ seq: 1 }) }, [], undefined),
      "ERR_INVALID_INPUT",
    );
    expect(err.message).toBe("this audit log was pruned: verifying it needs the checkpoint key");
  });

  it("without a key: the message names the checkpoints when there is no anchor", async () => {
    const err = await expectMoatErrorAsync(verifySignedPoints(ORG, null, ["a.b.c"], undefined), "ERR_INVALID_INPUT");
    expect(err.message).toBe("verifying checkpoints needs the checkpoint key");
  });

  it("a checkpoint of another organisation is ERR_INVALID_INPUT saying so", async () => {
    const keys = await checkpointKeys();
    const jws = await signAuditCheckpoint(point(2, H1, "org_other"), keys.signer);
    const err = await expectMoatErrorAsync(verifySignedPoints(ORG, null, [jws], keys.publicKey), "ERR_INVALID_INPUT");
    expect(err.message).toBe("an audit checkpoint belongs to another organisation");
  });
});

describe("verifySignedPoints: checkpoints", () => {
  it("two checkpoints of the same event with different hashes are ERR_INTEGRITY", async () => {
    const keys = await checkpointKeys();
    const a = await signAuditCheckpoint(point(5, H1), keys.signer);
    const b = await signAuditCheckpoint(point(5, H2), keys.signer);
    const err = await expectMoatErrorAsync(verifySignedPoints(ORG, null, [a, b], keys.publicKey), "ERR_INTEGRITY");
    expect(err.message).toBe("two audit checkpoints disagree about the same event");
  });

  it("two checkpoints of the same event with the same hash agree", async () => {
    const keys = await checkpointKeys();
    const a = await signAuditCheckpoint(point(5, H1), keys.signer);
    const b = await signAuditCheckpoint({ ...point(5, H1), at: "2026-02-01T00:00:00.000Z" }, keys.signer);
    expect(await verifySignedPoints(ORG, null, [a, b], keys.publicKey)).toEqual({
      ok: true,
      start: EMPTY_CHAIN_HEAD,
      checkpoints: new Map([[5, H1]]),
    });
  });

  it("keeps only the checkpoints after the anchor", async () => {
    const keys = await checkpointKeys();
    const anchor = await signAuditAnchor(point(4, H1), keys.signer);
    const cps = [
      await signAuditCheckpoint(point(2, H2), keys.signer),
      await signAuditCheckpoint(point(4, H1), keys.signer),
      await signAuditCheckpoint(point(6, H2), keys.signer),
    ];
    expect(await verifySignedPoints(ORG, { jws: anchor }, cps, keys.publicKey)).toEqual({
      ok: true,
      start: { seq: 4, hash: H1 },
      checkpoints: new Map([[6, H2]]),
    });
  });

  it("a checkpoint at the anchor's seq with another hash is checkpoint_mismatch at that seq", async () => {
    const keys = await checkpointKeys();
    const anchor = await signAuditAnchor(point(4, H1), keys.signer);
    const cps = [
      await signAuditCheckpoint(point(4, H2), keys.signer),
      await signAuditCheckpoint(point(6, H2), keys.signer),
    ];
    expect(await verifySignedPoints(ORG, { jws: anchor }, cps, keys.publicKey)).toEqual({
      ok: false,
      failure: { ok: false, reason: "checkpoint_mismatch", seq: 4 },
    });
  });

  it("a checkpoint at seq 0 must attest the empty chain", async () => {
    const keys = await checkpointKeys();
    const good = await signAuditCheckpoint(point(0, EMPTY_CHAIN_HEAD.hash), keys.signer);
    expect(await verifySignedPoints(ORG, null, [good], keys.publicKey)).toEqual({
      ok: true,
      start: EMPTY_CHAIN_HEAD,
      checkpoints: new Map(),
    });
    const bad = await signAuditCheckpoint(point(0, H1), keys.signer);
    expect(await verifySignedPoints(ORG, null, [bad], keys.publicKey)).toEqual({
      ok: false,
      failure: { ok: false, reason: "checkpoint_mismatch", seq: 0 },
    });
  });
});
