/**
 * The content of every committed vector file, computed by moatkit on one crypto backend (plus
 * the intermediate values a reader of docs/format.md checks against, from reference.ts).
 */
import {
  API_KEY_CASES,
  API_KEY_PEPPERS,
  AUDIT_EVENTS,
  AUDIT_ORG,
  BLIND_INDEX_CASES,
  CHECKPOINT_KID,
  ENVELOPE_CASES,
  PASSWORD_BCRYPT_COST,
  PASSWORD_CASES,
  RECOVERY_CASES,
  RECOVERY_CODES_PER_SET,
  checkpointKeys,
  envelopeRandom,
  masterKey,
  recordJson,
  recordRows,
  runApiKey,
  runAuditChain,
  runBlindIndex,
  runAnchor,
  runCheckpoint,
  runEnvelopeCase,
  runPassword,
  runRecovery,
  runTokens,
} from "./build.js";
import { CANONICAL_JSON_DOCUMENT } from "./canonical-cases.js";
import {
  BACKENDS,
  type CryptoBackendName,
  MASTER_KEYS,
  NOW,
  RECOVERY_BCRYPT_COST,
  base64urlEncode,
  canonicalJson,
  fixedBytes,
  hex,
} from "./fixtures.js";
import { blindIndexKeyRef, envelopeRef, passwordBcryptInputRef, stringLeadRef, wrapDataKeyRef } from "./reference.js";

export type Documents = Readonly<Record<string, unknown>>;

const SOURCE =
  "moatkit test/vectors/moatkit (npm run vectors:moatkit); see README.md. Do not regenerate to make a test pass.";

function keyringSection(): unknown {
  const entries = MASTER_KEYS.map((k) => `${k.id}:${Buffer.from(k.key).toString("base64")}`);
  return {
    description: "Master keys: 32 bytes each, written id:base64 (RFC 4648 §4, padded), comma-separated, primary first.",
    MOATKIT_MASTER_KEYS: entries.join(","),
    keys: MASTER_KEYS.map((k) => ({ id: k.id, hex: hex(k.key), base64: Buffer.from(k.key).toString("base64") })),
    primaryKeyId: MASTER_KEYS[0]?.id,
  };
}

async function envelopeDocument(
  backend: CryptoBackendName,
): Promise<{ envelope: unknown; dataKeys: unknown; stringV2: unknown }> {
  const b = BACKENDS[backend];
  const cases: unknown[] = [];
  const stringCases: unknown[] = [];
  const records: unknown[] = [];
  for (const c of ENVELOPE_CASES) {
    const r = envelopeRandom(c);
    const out = await runEnvelopeCase(c, backend);
    const contextJson = canonicalJson(c.context);
    const plaintext = new TextEncoder().encode(c.plaintextUtf8);
    const ref = envelopeRef(b, {
      algorithm: c.algorithm,
      mode: c.mode,
      masterKeyId: "k2026",
      masterKey: masterKey("k2026"),
      tenantId: c.tenantId ?? undefined,
      contextJson,
      plaintext,
      dataKey: r.dataKey,
      dataKeyId: r.dataKeyId ?? undefined,
      wrapNonce: r.wrapNonce,
      salt: r.salt,
      nonce: r.nonce,
    });
    cases.push({
      name: c.name,
      algorithm: c.algorithm,
      mode: c.mode,
      masterKeyId: "k2026",
      tenantId: c.tenantId,
      context: c.context,
      contextJson,
      plaintextUtf8: c.plaintextUtf8,
      plaintextHex: hex(plaintext),
      random: {
        ...(r.dataKeyId === null ? {} : { dataKeyId: hex(r.dataKeyId) }),
        dataKey: hex(r.dataKey),
        wrapNonce: hex(r.wrapNonce),
        salt: hex(r.salt),
        nonce: hex(r.nonce),
      },
      intermediate: {
        suite: `0x${ref.suite.toString(16)}`,
        wrapKey: hex(ref.wrapKey),
        wrapAad: hex(ref.wrapAad),
        wrappedKey: hex(ref.wrappedKey),
        hkdfInfo: hex(ref.hkdfInfo),
        subkey: hex(ref.okm.subarray(0, 32)),
        commitment: hex(ref.okm.subarray(32)),
        header: hex(ref.header),
        aad: hex(ref.aad),
      },
      ...(r.dataKeyId === null ? {} : { dataKeyId: base64urlEncode(r.dataKeyId) }),
      // moatkit writes the string form v2 since issue 18; the v1 string of the same message is
      // the reference's, and is exactly what moatkit wrote when this file was committed.
      token: ref.token,
      binary: out.binary,
    });
    stringCases.push({ name: c.name, masterKeyId: "k2026", binary: out.binary, token: out.token });
    if (out.record !== null)
      records.push({ case: c.name, record: recordJson(out.record), rows: recordRows(recordJson(out.record)) });
  }

  // The first stored case's data key, re-wrapped under k2025 (as after a master key rotation back
  // and forth): its token still names k2026, but the record decides which master key unwraps.
  const first = ENVELOPE_CASES[0];
  if (first === undefined) throw new Error("no envelope cases");
  const r0 = envelopeRandom(first);
  const rewrapNonce = fixedBytes("rewrapped under k2025 wrap nonce", 12);
  const rewrapped = {
    id: base64urlEncode(r0.dataKeyId ?? new Uint8Array(0)),
    scope: first.tenantId ?? "",
    masterKeyId: "k2025",
    wrappedKey: hex(
      wrapDataKeyRef(
        b,
        masterKey("k2025"),
        "stored",
        "k2025",
        r0.dataKeyId ?? new Uint8Array(0),
        first.tenantId ?? "",
        r0.dataKey,
        rewrapNonce,
      ),
    ),
    createdAt: NOW,
  };

  const envelope = {
    source: SOURCE,
    format: "docs/format.md#envelope-v1",
    keyring: keyringSection(),
    cases,
    notATokenOrCannotDecrypt: NOT_A_TOKEN_CASES,
  };
  const dataKeys = {
    source: SOURCE,
    format: "docs/format.md#stored-data-keys",
    keyring: keyringSection(),
    records,
    rewrapped: { case: first.name, rewrapNonce: hex(rewrapNonce), record: rewrapped, rows: recordRows(rewrapped) },
  };
  const stringV2 = {
    source: SOURCE,
    format: "docs/format.md#string-form-v2",
    description:
      "The string form v2 of every envelope-v1.json case (same binary form, same context and tenant: decrypt with that file's inputs), the lead for key ids of several lengths, and inputs on both sides of 'not a token' / 'cannot decrypt'.",
    cases: stringCases,
    leads: STRING_LEAD_KEY_IDS.map((keyId) => ({
      masterKeyId: keyId,
      lead: stringLeadRef(keyId),
      leadBytesHex: Buffer.from(stringLeadRef(keyId), "base64url").toString("hex"),
    })),
    notATokenOrCannotDecrypt: NOT_A_TOKEN_V2_CASES,
  };
  return { envelope, dataKeys, stringV2 };
}

/** Key ids of every length mod 4, the shortest and the longest. */
const STRING_LEAD_KEY_IDS = [
  "k",
  "k1",
  "k20",
  "k202",
  "k2026",
  "key-2026_v2",
  "0123456789abcdef0123456789ABCDE",
  "0123456789abcdef0123456789ABCDEF",
];

/** String form v2 inputs on either side of the line between "not a token" and "cannot decrypt". */
const NOT_A_TOKEN_V2_CASES = [
  { input: "mk2", error: "ERR_INVALID_INPUT", why: "no length character" },
  { input: "mk2A", error: "ERR_INVALID_INPUT", why: "L = 0" },
  { input: "mk2hk2026___EQ", error: "ERR_INVALID_INPUT", why: "L = 33" },
  { input: "mk2.k2026.EQ", error: "ERR_INVALID_INPUT", why: "a dot where the length character goes" },
  { input: "Mk2Fk2026___EQ", error: "ERR_INVALID_INPUT", why: "the prefix is case-sensitive" },
  { input: "mk2Fk2026__", error: "ERR_INVALID_INPUT", why: "shorter than the lead" },
  { input: "mk2Fk2026__EQ", error: "ERR_INVALID_INPUT", why: "the lead must end in f = 4 - (L mod 4) = 3 '_'" },
  { input: "mk2Fk2026_-_EQ", error: "ERR_INVALID_INPUT", why: "the fill is '_' only" },
  { input: "mk2Fk2.26___EQ", error: "ERR_INVALID_INPUT", why: "a key id character outside A-Z a-z 0-9 _ -" },
  { input: "mk2Fk2026___EQ==", error: "ERR_INVALID_INPUT", why: "base64url padding" },
  { input: "mk2Fk2026___AB", error: "ERR_INVALID_INPUT", why: "non-zero trailing bits (AB and AA would both be 0x00)" },
  { input: "mk2Fk2026___A", error: "ERR_INVALID_INPUT", why: "a length of 1 mod 4" },
  { input: "mk2Fk2026___EQ+/", error: "ERR_INVALID_INPUT", why: "standard base64 characters" },
  { input: "mk2Fk2026___EQ AA", error: "ERR_INVALID_INPUT", why: "whitespace" },
  { input: "mk2Fk2026___", error: "ERR_DECRYPT", why: "token-shaped; empty payload (no suite byte)" },
  { input: "mk2Fk2026___AA", error: "ERR_DECRYPT", why: "token-shaped; suite 0x00 is not defined" },
  { input: "mk2Fk2026___Ew", error: "ERR_DECRYPT", why: "token-shaped; suite 0x13 is not defined" },
  { input: "mk2Fk2026___EQ", error: "ERR_DECRYPT", why: "token-shaped; suite 0x11 but too short" },
  {
    input: "mk2Gk2026___EQ",
    error: "ERR_DECRYPT",
    why: "token-shaped: L = 6 reads key id k2026_ and fill __ (key ids may hold _); suite 0x11 but too short",
  },
] as const;

/** Inputs on either side of the line between "not a token" and "cannot decrypt". */
const NOT_A_TOKEN_CASES = [
  { input: "mk2.k2026.AA", error: "ERR_INVALID_INPUT", why: "another version prefix" },
  { input: "MK1.k2026.AA", error: "ERR_INVALID_INPUT", why: "the prefix is case-sensitive" },
  { input: "mk1.k2026", error: "ERR_INVALID_INPUT", why: "no second dot" },
  { input: "mk1..AA", error: "ERR_INVALID_INPUT", why: "empty master key id" },
  {
    input: "mk1.k.2026.AA",
    error: "ERR_INVALID_INPUT",
    why: "the key id ends at the first dot: id k, payload 2026.AA is not base64url",
  },
  { input: "mk1.k2026.AA==", error: "ERR_INVALID_INPUT", why: "base64url padding" },
  { input: "mk1.k2026.AB", error: "ERR_INVALID_INPUT", why: "non-zero trailing bits (AB and AA would both be 0x00)" },
  { input: "mk1.k2026.A", error: "ERR_INVALID_INPUT", why: "a length of 1 mod 4" },
  { input: "mk1.k2026.EQ+/", error: "ERR_INVALID_INPUT", why: "standard base64 characters" },
  { input: "mk1.k2026.EQ AA", error: "ERR_INVALID_INPUT", why: "whitespace" },
  { input: "mk1.k2026.", error: "ERR_DECRYPT", why: "token-shaped; empty payload (no suite byte)" },
  { input: "mk1.k2026.AA", error: "ERR_DECRYPT", why: "token-shaped; suite 0x00 is not defined" },
  { input: "mk1.k2026.Ew", error: "ERR_DECRYPT", why: "token-shaped; suite 0x13 is not defined" },
  { input: "mk1.k2026.EQ", error: "ERR_DECRYPT", why: "token-shaped; suite 0x11 but too short" },
  { inputHex: "02056b32303236110000", error: "ERR_INVALID_INPUT", why: "binary: version byte 0x02" },
  { inputHex: "0100", error: "ERR_INVALID_INPUT", why: "binary: shorter than 3 bytes" },
  { inputHex: "01006b", error: "ERR_INVALID_INPUT", why: "binary: L = 0" },
  { inputHex: "01056b3230", error: "ERR_INVALID_INPUT", why: "binary: key id cut short" },
  {
    inputHex: "01056b32302e3611",
    error: "ERR_INVALID_INPUT",
    why: "binary: key id with a character outside A-Z a-z 0-9 _ -",
  },
  { inputHex: "01056b32303236", error: "ERR_INVALID_INPUT", why: "binary: no suite byte" },
  { inputHex: "01056b3230323611", error: "ERR_DECRYPT", why: "binary: token-shaped; suite 0x11 but too short" },
  { inputHex: "01056b3230323633", error: "ERR_DECRYPT", why: "binary: token-shaped; suite 0x33 is not defined" },
] as const;

function blindIndexDocument(backend: CryptoBackendName): unknown {
  const b = BACKENDS[backend];
  return {
    source: SOURCE,
    format: "docs/format.md#blind-index",
    keyring: keyringSection(),
    cases: BLIND_INDEX_CASES.map((c) => ({
      ...c,
      indexKey: hex(blindIndexKeyRef(b, masterKey(c.keyId), c.name)),
      index: runBlindIndex(c, backend),
    })),
  };
}

function apiKeyDocument(): unknown {
  return {
    source: SOURCE,
    format: "docs/format.md#api-keys",
    peppers: API_KEY_PEPPERS,
    cases: API_KEY_CASES.map((c) => {
      const out = runApiKey(c);
      return {
        ...c,
        head: `${c.prefix}_${c.env}_${c.body}`,
        checksum: out.checksum,
        key: out.key,
        preview: out.preview,
        hash: out.hash,
        pepperedHashes: out.pepperedHashes,
      };
    }),
    badChecksum: "acme_live_4Fh2kQ9xZr7TbN1mPw3Yc8Lv6Jd0Sg5A000000",
  };
}

async function recoveryDocument(): Promise<unknown> {
  const cases: unknown[] = [];
  for (const c of RECOVERY_CASES) {
    const codes = await runRecovery(c);
    cases.push({
      name: c.name,
      userId: c.userId,
      selectorKeyUtf8: c.selectorKey ?? "moatkit/mfa/recovery-code-selector/v1",
      bcryptCost: RECOVERY_BCRYPT_COST,
      codes: codes.map((k) => {
        const normalized = k.code.replace("-", "");
        return {
          displayed: k.code,
          normalized,
          selectorInput: `${c.userId}:${normalized}`,
          selector: k.selector,
          bcryptInput: normalized,
          bcryptSalt: k.hash.slice(0, 29),
          bcryptHash: k.hash,
        };
      }),
    });
  }
  return {
    source: SOURCE,
    format: "docs/format.md#recovery-codes",
    codesPerSet: RECOVERY_CODES_PER_SET,
    cases,
    normalization: [
      { typed: "abcde-fghjk", normalized: "ABCDEFGHJK" },
      { typed: " o1il0 OIL00 ", normalized: "0111001100" },
      { typed: "ABCDE FGHJK", normalized: "ABCDEFGHJK" },
      { typed: "ABCDE-FGHJU", normalized: null },
      { typed: "ABCDE-FGHJ", normalized: null },
    ],
  };
}

async function auditDocuments(): Promise<{ chain: unknown; checkpoint: unknown }> {
  const events = runAuditChain();
  const last = events[events.length - 1]?.stored as { seq: number; hash: string };
  const jws = await runCheckpoint(last.seq, last.hash);
  const [header = "", payload = "", signature = ""] = jws.split(".");
  const keys = checkpointKeys();
  const pruned = events[1]?.stored as { seq: number; hash: string };
  const anchorJws = await runAnchor(pruned.seq, pruned.hash);
  const [anchorHeader = "", anchorPayload = "", anchorSignature = ""] = anchorJws.split(".");
  return {
    chain: {
      source: SOURCE,
      format: "docs/format.md#audit-event-hash-chain",
      orgId: AUDIT_ORG,
      genesisHash: "0".repeat(64),
      events: AUDIT_EVENTS.map((input, i) => ({ input, hashInput: events[i]?.canonical, stored: events[i]?.stored })),
    },
    checkpoint: {
      source: SOURCE,
      format: "docs/format.md#audit-checkpoints",
      ed25519Seed: keys.seed,
      privateJwk: keys.privateJwk,
      publicJwk: { ...keys.publicJwk, kid: CHECKPOINT_KID },
      checkpoint: JSON.parse(Buffer.from(payload, "base64url").toString("utf8")) as unknown,
      protectedHeaderJson: Buffer.from(header, "base64url").toString("utf8"),
      payloadJson: Buffer.from(payload, "base64url").toString("utf8"),
      signatureHex: Buffer.from(signature, "base64url").toString("hex"),
      jws,
      anchor: {
        payload: JSON.parse(Buffer.from(anchorPayload, "base64url").toString("utf8")) as unknown,
        protectedHeaderJson: Buffer.from(anchorHeader, "base64url").toString("utf8"),
        payloadJson: Buffer.from(anchorPayload, "base64url").toString("utf8"),
        signatureHex: Buffer.from(anchorSignature, "base64url").toString("hex"),
        jws: anchorJws,
      },
    },
  };
}

async function passwordDocument(): Promise<unknown> {
  const cases: unknown[] = [];
  for (const c of PASSWORD_CASES) {
    const hash = await runPassword(c);
    cases.push({
      ...c,
      utf8Bytes: Buffer.byteLength(c.password, "utf8"),
      bcryptInput: passwordBcryptInputRef(c.password),
      bcryptSalt: hash.slice(0, 29),
      bcryptHash: hash,
    });
  }
  return { source: SOURCE, format: "docs/format.md#password-hashes", bcryptCost: PASSWORD_BCRYPT_COST, cases };
}

/** Every committed file's content, by file name. */
export async function buildDocuments(backend: CryptoBackendName): Promise<Documents> {
  const { envelope, dataKeys, stringV2 } = await envelopeDocument(backend);
  const { chain, checkpoint } = await auditDocuments();
  return {
    "envelope-v1.json": envelope,
    "envelope-string-v2.json": stringV2,
    "data-keys.json": dataKeys,
    "blind-index.json": blindIndexDocument(backend),
    "api-keys.json": apiKeyDocument(),
    "recovery-codes.json": await recoveryDocument(),
    "passwords.json": await passwordDocument(),
    "tokens.json": { source: SOURCE, format: "docs/format.md#opaque-tokens-refresh-and-one-time", cases: runTokens() },
    "audit-chain.json": chain,
    "audit-checkpoint.json": checkpoint,
    "canonical-json.json": { source: SOURCE, format: "docs/format.md#canonical-json", ...CANONICAL_JSON_DOCUMENT },
  };
}
