/**
 * Known-answer tests of the formats moatkit hashes or signs rather than encrypts: API keys,
 * recovery codes, opaque (refresh and one-time) token hashes, the audit hash chain and its
 * checkpoints, and canonical JSON. These run on node:crypto inside moatkit; each vector is also
 * recomputed independently with @noble/hashes (reference.ts), the second backend for them.
 */
import { createPublicKey, verify } from "node:crypto";
import { readFileSync, readdirSync } from "node:fs";
import bcrypt from "bcryptjs";
import { describe, expect, it } from "vitest";
import { expectMoatError } from "../../helpers/assertions.js";
import {
  AUDIT_EVENTS,
  PASSWORD_CASES,
  RECOVERY_CASES,
  runApiKey,
  runAnchor,
  runAuditChain,
  runCheckpoint,
  runPassword,
  runRecovery,
  runTokens,
} from "./build.js";
import { buildDocuments } from "./documents.js";
import {
  canonicalJson,
  deriveSuccessorToken,
  hashAuditEvent,
  hashOpaqueToken,
  normalizeRecoveryCode,
  parseApiKey,
  readVectors,
  recoveryRun,
  streamRandom,
  type StoredAuditEvent,
  VECTOR_DIR,
  verifyAuditChain,
  verifyAuditCheckpoint,
  verifyPassword,
} from "./fixtures.js";
import {
  apiKeyChecksumRef,
  apiKeyHashRef,
  auditHashRef,
  canonicalJsonRef,
  opaqueTokenHashRef,
  passwordBcryptInputRef,
  recoverySelectorRef,
  successorTokenRef,
} from "./reference.js";

interface ApiKeysFile {
  peppers: ({ name: string; utf8: string } | { name: string; hex: string })[];
  cases: {
    prefix: string;
    env: "live" | "test";
    body: string;
    head: string;
    checksum: string;
    key: string;
    preview: string;
    hash: string;
    pepperedHashes: string[];
  }[];
  badChecksum: string;
}
interface RecoveryFile {
  cases: {
    name: string;
    userId: string;
    selectorKeyUtf8: string;
    codes: {
      displayed: string;
      normalized: string;
      selectorInput: string;
      selector: string;
      bcryptInput: string;
      bcryptSalt: string;
      bcryptHash: string;
    }[];
  }[];
  normalization: { typed: string; normalized: string | null }[];
}
interface TokensFile {
  cases: { token: string; hash: string; nonce: string; successor: string; successorHash: string }[];
}
interface AuditChainFile {
  orgId: string;
  genesisHash: string;
  events: { input: unknown; hashInput: string; stored: StoredAuditEvent }[];
}
interface CheckpointFile {
  publicJwk: { kty: string; crv: string; x: string; kid: string };
  checkpoint: { orgId: string; seq: number; hash: string; at: string };
  protectedHeaderJson: string;
  payloadJson: string;
  signatureHex: string;
  jws: string;
  anchor: {
    payload: { orgId: string; seq: number; hash: string; at: string; purpose: string };
    protectedHeaderJson: string;
    payloadJson: string;
    signatureHex: string;
    jws: string;
  };
}
interface CanonicalFile {
  rfc8785: { name: string; input: string; output: string; outputUtf8Hex: string }[];
  rfc8785Numbers: { ieee754: string; output: string | null }[];
  moatkit: { name: string; input: string; output: string }[];
  refused: { name: string; input: string }[];
}

interface PasswordsFile {
  cases: {
    name: string;
    password: string;
    long: "reject" | "prehash";
    utf8Bytes: number;
    bcryptInput: string;
    bcryptSalt: string;
    bcryptHash: string;
  }[];
}

const apiKeys = readVectors("api-keys.json") as ApiKeysFile;
const passwords = readVectors("passwords.json") as PasswordsFile;
const recovery = readVectors("recovery-codes.json") as RecoveryFile;
const tokens = readVectors("tokens.json") as TokensFile;
const chain = readVectors("audit-chain.json") as AuditChainFile;
const checkpoint = readVectors("audit-checkpoint.json") as CheckpointFile;
const canonical = readVectors("canonical-json.json") as CanonicalFile;

const pepperBytes = (p: ApiKeysFile["peppers"][number]): Uint8Array =>
  "utf8" in p ? new TextEncoder().encode(p.utf8) : new Uint8Array(Buffer.from(p.hex, "hex"));

describe.each(apiKeys.cases.map((c) => [c.key, c] as const))("API key %s", (_key, c) => {
  it("moatkit formats, checksums, previews and hashes it as committed", () => {
    expect(runApiKey(c)).toEqual({
      key: c.key,
      checksum: c.checksum,
      preview: c.preview,
      hash: c.hash,
      pepperedHashes: c.pepperedHashes,
    });
    expect(c.key).toBe(c.head + c.checksum);
  });

  it("the reference (CRC-32 from zlib, SHA-256 and HMAC from noble) agrees", () => {
    expect(apiKeyChecksumRef(c.head).checksum).toBe(c.checksum);
    expect(apiKeyHashRef(c.key)).toBe(c.hash);
    expect(apiKeys.peppers.map((p) => apiKeyHashRef(c.key, pepperBytes(p)))).toEqual(c.pepperedHashes);
  });

  it("parses back into its parts with a valid checksum", () => {
    expect(parseApiKey(c.key)).toEqual({
      prefix: c.prefix,
      env: c.env,
      body: c.body,
      checksum: c.checksum,
      checksumValid: true,
    });
  });
});

it("an API key with a wrong checksum parses with checksumValid false", () => {
  expect(parseApiKey(apiKeys.badChecksum)?.checksumValid).toBe(false);
});

describe.each(recovery.cases.map((c) => [c.name, c] as const))("recovery codes %s", (_name, c) => {
  it("moatkit generates the committed codes, selectors and bcrypt hashes from the fixed random stream", async () => {
    const input = RECOVERY_CASES.find((r) => r.name === c.name);
    if (input === undefined) throw new Error("case missing from build.ts");
    const codes = await runRecovery(input);
    expect(codes).toEqual(c.codes.map((k) => ({ code: k.displayed, selector: k.selector, hash: k.bcryptHash })));
  });

  it("the selector is the reference HMAC and bcrypt of the normalized code with the committed salt gives the committed hash", () => {
    for (const k of c.codes) {
      expect(normalizeRecoveryCode(k.displayed)).toBe(k.normalized);
      expect(k.selectorInput).toBe(`${c.userId}:${k.normalized}`);
      expect(recoverySelectorRef(new TextEncoder().encode(c.selectorKeyUtf8), c.userId, k.normalized)).toBe(k.selector);
      expect(bcrypt.hashSync(k.bcryptInput, k.bcryptSalt)).toBe(k.bcryptHash);
    }
  });

  it("moatkit redeems a committed code against committed entries, once", async () => {
    const input = RECOVERY_CASES.find((r) => r.name === c.name);
    const run = recoveryRun({
      random: streamRandom("unused"),
      count: 1,
      ...(input?.selectorKey === undefined ? {} : { selectorKey: input.selectorKey }),
    });
    await run.put(
      c.userId,
      c.codes.map((k) => ({ selector: k.selector, hash: k.bcryptHash })),
    );
    const code = c.codes[1]?.displayed.toLowerCase() ?? "";
    expect(await run.redeem(c.userId, code)).toBe(true);
    expect(await run.redeem(c.userId, code)).toBe(false);
  });
});

it.each(recovery.normalization.map((n) => [n.typed, n.normalized] as const))(
  "recovery code input %j normalizes to %j",
  (typed, normalized) => {
    expect(normalizeRecoveryCode(typed)).toBe(normalized);
  },
);

describe.each(passwords.cases.map((c) => [c.name, c] as const))("password hash: %s", (_name, c) => {
  it("moatkit hashes the password with the fixed salt to the committed bcrypt hash, and verifies it", async () => {
    const input = PASSWORD_CASES.find((p) => p.name === c.name);
    if (input === undefined) throw new Error("case missing from build.ts");
    expect(await runPassword(input)).toBe(c.bcryptHash);
    expect(await verifyPassword(c.password, c.bcryptHash, { long: c.long })).toBe(true);
  });

  it("bcrypt of the reference input with the committed salt gives the committed hash", () => {
    expect(Buffer.byteLength(c.password, "utf8")).toBe(c.utf8Bytes);
    expect(passwordBcryptInputRef(c.password)).toBe(c.bcryptInput);
    expect(bcrypt.hashSync(c.bcryptInput, c.bcryptSalt)).toBe(c.bcryptHash);
  });
});

describe("opaque tokens (refresh and one-time)", () => {
  it("moatkit hashes and derives successors as committed", () => {
    expect(runTokens()).toEqual(tokens.cases);
    for (const t of tokens.cases) {
      expect(hashOpaqueToken(t.token)).toBe(t.hash);
      expect(deriveSuccessorToken(t.token, t.nonce)).toBe(t.successor);
    }
  });

  it("the reference agrees", () => {
    for (const t of tokens.cases) {
      expect(opaqueTokenHashRef(t.token)).toBe(t.hash);
      expect(successorTokenRef(t.token, t.nonce)).toBe(t.successor);
      expect(opaqueTokenHashRef(t.successor)).toBe(t.successorHash);
    }
  });
});

describe("audit event hash chain", () => {
  it("moatkit seals the committed events into the committed chain", () => {
    expect(chain.events.map((e) => e.input)).toEqual(JSON.parse(JSON.stringify(AUDIT_EVENTS)));
    expect(runAuditChain()).toEqual(chain.events.map((e) => ({ canonical: e.hashInput, stored: e.stored })));
  });

  it("each hash is SHA-256 of the canonical JSON of the stored event without its hash, linked by prevHash", () => {
    let prev = chain.genesisHash;
    for (const [i, e] of chain.events.entries()) {
      const { hash, ...rest } = e.stored;
      expect(e.stored.seq).toBe(i + 1);
      expect(e.stored.prevHash).toBe(prev);
      expect(canonicalJson(rest)).toBe(e.hashInput);
      expect(canonicalJsonRef(rest)).toBe(e.hashInput);
      expect(auditHashRef(e.hashInput)).toBe(hash);
      expect(hashAuditEvent(rest)).toBe(hash);
      prev = hash;
    }
  });

  it("moatkit verifies the committed chain against the committed checkpoint, and notices a changed byte", async () => {
    const events = chain.events.map((e) => e.stored);
    const options = { orgId: chain.orgId, checkpoints: [checkpoint.jws], checkpointKey: checkpoint.publicJwk };
    expect(await verifyAuditChain(events, options)).toMatchObject({ ok: true });
    const tampered = events.map((e, i) => (i === 1 ? { ...e, action: "user.updatE" } : e));
    expect(await verifyAuditChain(tampered, options)).toMatchObject({ ok: false });
  });
});

describe("audit checkpoint (EdDSA, Ed25519)", () => {
  it("moatkit signs the committed checkpoint to the committed JWS (Ed25519 is deterministic)", async () => {
    expect(await runCheckpoint(checkpoint.checkpoint.seq, checkpoint.checkpoint.hash)).toBe(checkpoint.jws);
  });

  it("the JWS is base64url(header).base64url(canonical payload).base64url(signature), and node:crypto verifies it", () => {
    const [header = "", payload = "", signature = ""] = checkpoint.jws.split(".");
    expect(Buffer.from(header, "base64url").toString("utf8")).toBe(checkpoint.protectedHeaderJson);
    expect(Buffer.from(payload, "base64url").toString("utf8")).toBe(checkpoint.payloadJson);
    expect(checkpoint.payloadJson).toBe(canonicalJsonRef(checkpoint.checkpoint));
    expect(Buffer.from(signature, "base64url").toString("hex")).toBe(checkpoint.signatureHex);
    const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: checkpoint.publicJwk.x }, format: "jwk" });
    expect(verify(null, Buffer.from(`${header}.${payload}`), key, Buffer.from(checkpoint.signatureHex, "hex"))).toBe(
      true,
    );
  });

  it("moatkit verifies the committed JWS and returns what it attests", async () => {
    expect(await verifyAuditCheckpoint(checkpoint.jws, checkpoint.publicJwk)).toEqual(checkpoint.checkpoint);
  });
});

describe("audit prune anchor (EdDSA, Ed25519)", () => {
  const { anchor } = checkpoint;

  it("moatkit signs the committed anchor to the committed JWS", async () => {
    expect(await runAnchor(anchor.payload.seq, anchor.payload.hash)).toBe(anchor.jws);
  });

  it("the JWS has the anchor typ and a purpose member, and node:crypto verifies it", () => {
    const [header = "", payload = "", signature = ""] = anchor.jws.split(".");
    expect(Buffer.from(header, "base64url").toString("utf8")).toBe(anchor.protectedHeaderJson);
    expect(JSON.parse(anchor.protectedHeaderJson)).toMatchObject({ typ: "moatkit-audit-anchor" });
    expect(Buffer.from(signature, "base64url").toString("hex")).toBe(anchor.signatureHex);
    expect(Buffer.from(payload, "base64url").toString("utf8")).toBe(anchor.payloadJson);
    expect(anchor.payloadJson).toBe(canonicalJsonRef(anchor.payload));
    expect(anchor.payload.purpose).toBe("prune-anchor");
    const key = createPublicKey({ key: { kty: "OKP", crv: "Ed25519", x: checkpoint.publicJwk.x }, format: "jwk" });
    expect(verify(null, Buffer.from(`${header}.${payload}`), key, Buffer.from(anchor.signatureHex, "hex"))).toBe(true);
  });

  it("moatkit verifies the chain after the anchor, and refuses the anchor and the checkpoint in each other's place", async () => {
    const rest = chain.events.slice(anchor.payload.seq).map((e) => e.stored);
    const key = checkpoint.publicJwk;
    expect(
      await verifyAuditChain(rest, {
        orgId: chain.orgId,
        anchor: anchor.jws,
        checkpoints: [checkpoint.jws],
        checkpointKey: key,
      }),
    ).toMatchObject({ ok: true, count: rest.length });
    expect(
      await verifyAuditChain(
        chain.events.slice(3).map((e) => e.stored),
        {
          orgId: chain.orgId,
          anchor: checkpoint.jws,
          checkpointKey: key,
        },
      ),
    ).toMatchObject({ ok: false, reason: "anchor_invalid", seq: checkpoint.checkpoint.seq });
    await expect(verifyAuditCheckpoint(anchor.jws, key)).rejects.toMatchObject({ code: "ERR_INTEGRITY" });
  });
});

describe("canonical JSON", () => {
  it.each(canonical.rfc8785.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    expect(canonicalJson(JSON.parse(c.input))).toBe(c.output);
    expect(Buffer.from(canonicalJson(JSON.parse(c.input)), "utf8").toString("hex")).toBe(c.outputUtf8Hex);
    expect(canonicalJsonRef(JSON.parse(c.input))).toBe(c.output);
  });

  it.each(canonical.rfc8785Numbers.map((c) => [c.ieee754, c.output] as const))(
    "RFC 8785 Appendix B: %s → %s",
    (ieee754, output) => {
      const value = Buffer.from(ieee754, "hex").readDoubleBE(0);
      if (output === null) expectMoatError(() => canonicalJson(value), "ERR_INVALID_INPUT");
      else expect(canonicalJson(value)).toBe(output);
    },
  );

  it.each(canonical.moatkit.map((c) => [c.name, c] as const))("%s", (_name, c) => {
    expect(canonicalJson(JSON.parse(c.input))).toBe(c.output);
    expect(canonicalJsonRef(JSON.parse(c.input))).toBe(c.output);
  });

  it.each(canonical.refused.map((c) => [c.name, c] as const))("refuses %s", (_name, c) => {
    expectMoatError(() => canonicalJson(JSON.parse(c.input)), "ERR_INVALID_INPUT");
    expect(() => canonicalJsonRef(JSON.parse(c.input))).toThrow();
  });
});

it("regenerating gives the committed files exactly", async () => {
  const documents = await buildDocuments("node");
  for (const file of [
    "api-keys.json",
    "recovery-codes.json",
    "passwords.json",
    "tokens.json",
    "audit-chain.json",
    "audit-checkpoint.json",
    "canonical-json.json",
  ]) {
    expect(documents[file], file).toEqual(readVectors(file));
  }
});

describe("docs/format.md", () => {
  const doc = readFileSync(new URL("../../../docs/format.md", import.meta.url), "utf8");
  // GitHub's heading anchors: lower-case, punctuation dropped, spaces to dashes.
  const anchors = new Set(
    [...doc.matchAll(/^#{2,3} (.+)$/gm)].map((m) =>
      (m[1] ?? "")
        .toLowerCase()
        .replace(/[^\p{L}\p{N} -]/gu, "")
        .replaceAll(" ", "-"),
    ),
  );
  const files = readdirSync(VECTOR_DIR).filter((f) => f.endsWith(".json"));

  it.each(files)("links %s, and the section the file names exists", (file) => {
    expect(doc).toContain(`](../test/vectors/moatkit/${file})`);
    const { format } = readVectors(file) as { format: string };
    expect(format.startsWith("docs/format.md#")).toBe(true);
    expect(anchors).toContain(format.slice("docs/format.md#".length));
  });

  it("quotes the worked example and the audit hash input exactly as the vectors have them", () => {
    const example = (readVectors("envelope-v1.json") as { cases: { name: string; token: string }[] }).cases.find(
      (c) => c.name === "aes-stored-tenant-context",
    );
    expect(doc).toContain(example?.token ?? "missing");
    const exampleV2 = (
      readVectors("envelope-string-v2.json") as { cases: { name: string; token: string }[] }
    ).cases.find((c) => c.name === "aes-stored-tenant-context");
    expect(doc).toContain(`string (v2)   ${exampleV2?.token ?? "missing"}`);
    expect(doc).toContain(chain.events[0]?.hashInput ?? "missing");
    expect(doc).toContain(chain.events[0]?.stored.hash ?? "missing");
  });
});
