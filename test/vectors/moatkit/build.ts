/**
 * The vector inputs and how each file's content is produced by moatkit itself (through
 * fixtures.ts), on a chosen crypto backend. generate.ts writes what these return; the tests call
 * them again on both backends and compare with the committed files byte for byte.
 */
import { createPrivateKey } from "node:crypto";
import {
  type AeadAlgorithm,
  type AuditEvent,
  type CryptoBackendName,
  type DataKeyRecord,
  type EncryptionContext,
  EMPTY_CHAIN_HEAD,
  MASTER_KEYS,
  NOW,
  apiKeyHasher,
  base64urlEncode,
  canonicalJson,
  checksumOf,
  createBlindIndex,
  envelopeRun,
  fixedBytes,
  formatApiKey,
  hashOpaqueToken,
  hashPassword,
  hex,
  previewOf,
  recoveryRun,
  scriptedRandom,
  sealAuditEvent,
  signAuditAnchor,
  signAuditCheckpoint,
  streamRandom,
  vectorKeyring,
  deriveSuccessorToken,
} from "./fixtures.js";
import { recoverySelectorRef } from "./reference.js";

const masterKey = (id: string): Uint8Array => {
  const key = MASTER_KEYS.find((k) => k.id === id)?.key;
  if (key === undefined) throw new Error(`no master key ${id}`);
  return key;
};

// ---------------------------------------------------------------------------------------------
// envelope v1 (envelope-v1.json) and the data key records it writes (data-keys.json)

export interface EnvelopeCaseInput {
  readonly name: string;
  readonly algorithm: AeadAlgorithm;
  readonly mode: "stored" | "embedded";
  readonly tenantId: string | null;
  readonly context: EncryptionContext;
  readonly plaintextUtf8: string;
}

const ROW_CONTEXT: EncryptionContext = { table: "users", column: "ssn", rowId: 42 };
/** Every context value type, keys out of order, non-ASCII text and a number with an exponent. */
const TYPED_CONTEXT: EncryptionContext = {
  z: null,
  b: true,
  f: false,
  n: -1.5e-7,
  big: 1e21,
  s: "Zürich €😀",
  "": "empty key",
};

export const ENVELOPE_CASES: readonly EnvelopeCaseInput[] = [
  {
    name: "aes-stored-tenant-context",
    algorithm: "aes-256-gcm",
    mode: "stored",
    tenantId: "acme",
    context: ROW_CONTEXT,
    plaintextUtf8: "123-45-6789",
  },
  {
    name: "aes-stored-default-empty",
    algorithm: "aes-256-gcm",
    mode: "stored",
    tenantId: null,
    context: {},
    plaintextUtf8: "",
  },
  {
    name: "aes-embedded-tenant-context",
    algorithm: "aes-256-gcm",
    mode: "embedded",
    tenantId: "acme",
    context: ROW_CONTEXT,
    plaintextUtf8: "123-45-6789",
  },
  {
    name: "aes-embedded-default-empty",
    algorithm: "aes-256-gcm",
    mode: "embedded",
    tenantId: null,
    context: {},
    plaintextUtf8: "hello",
  },
  {
    name: "xchacha-stored-tenant-context",
    algorithm: "xchacha20-poly1305",
    mode: "stored",
    tenantId: "acme",
    context: ROW_CONTEXT,
    plaintextUtf8: "123-45-6789",
  },
  {
    name: "xchacha-stored-default-empty",
    algorithm: "xchacha20-poly1305",
    mode: "stored",
    tenantId: null,
    context: {},
    plaintextUtf8: "hello",
  },
  {
    name: "xchacha-embedded-tenant-context",
    algorithm: "xchacha20-poly1305",
    mode: "embedded",
    tenantId: "acme",
    context: ROW_CONTEXT,
    plaintextUtf8: "123-45-6789",
  },
  {
    name: "xchacha-embedded-default-empty",
    algorithm: "xchacha20-poly1305",
    mode: "embedded",
    tenantId: null,
    context: {},
    plaintextUtf8: "",
  },
  {
    name: "aes-stored-unicode-tenant-typed-context",
    algorithm: "aes-256-gcm",
    mode: "stored",
    tenantId: "tenant-ü-東京",
    context: TYPED_CONTEXT,
    plaintextUtf8: "Grüße, 世界 🌍",
  },
];

/** The fixed random values of one case (what the envelope draws). */
export function envelopeRandom(c: EnvelopeCaseInput): {
  dataKeyId: Uint8Array | null;
  dataKey: Uint8Array;
  wrapNonce: Uint8Array;
  salt: Uint8Array;
  nonce: Uint8Array;
} {
  return {
    dataKeyId: c.mode === "stored" ? fixedBytes(`${c.name} data key id`, 8) : null,
    dataKey: fixedBytes(`${c.name} data key`, 32),
    wrapNonce: fixedBytes(`${c.name} wrap nonce`, 12),
    salt: fixedBytes(`${c.name} salt`, 16),
    nonce: fixedBytes(`${c.name} nonce`, c.algorithm === "aes-256-gcm" ? 12 : 24),
  };
}

/** A random source that gives exactly this case's values. */
export function envelopeRandomSource(c: EnvelopeCaseInput): (n: number) => Uint8Array {
  const r = envelopeRandom(c);
  const byLength: Record<number, Uint8Array[]> = { 32: [r.dataKey], 16: [r.salt] };
  if (r.dataKeyId !== null) byLength[8] = [r.dataKeyId];
  // Same-sized values: the wrap nonce is drawn first (a data key exists before anything is sealed).
  if (c.algorithm === "aes-256-gcm") byLength[12] = [r.wrapNonce, r.nonce];
  else {
    byLength[12] = [r.wrapNonce];
    byLength[24] = [r.nonce];
  }
  return scriptedRandom(byLength);
}

export interface EnvelopeCaseOutput {
  readonly token: string;
  readonly binary: string;
  readonly record: DataKeyRecord | null;
}

/** Encrypts one case with moatkit: the string form, the binary form and the stored record. */
export async function runEnvelopeCase(c: EnvelopeCaseInput, backend: CryptoBackendName): Promise<EnvelopeCaseOutput> {
  const tenant = c.tenantId ?? undefined;
  const forString = await envelopeRun({
    backend,
    algorithm: c.algorithm,
    mode: c.mode,
    random: envelopeRandomSource(c),
  });
  const token = await forString.encrypt(c.plaintextUtf8, c.context, tenant);
  const forBytes = await envelopeRun({
    backend,
    algorithm: c.algorithm,
    mode: c.mode,
    random: envelopeRandomSource(c),
  });
  const binary = hex(await forBytes.encryptBytes(c.plaintextUtf8, c.context, tenant));
  const records = await forString.records();
  return { token, binary, record: records[0] ?? null };
}

export interface RecordJson {
  readonly id: string;
  readonly scope: string;
  readonly masterKeyId: string;
  readonly wrappedKey: string;
  readonly createdAt: number;
}

export function recordJson(record: DataKeyRecord): RecordJson {
  return {
    id: record.id,
    scope: record.scope,
    masterKeyId: record.masterKeyId,
    wrappedKey: hex(record.wrappedKey),
    createdAt: record.createdAt,
  };
}

/** The rows the Postgres data key store keeps for a record that is its scope's current key. */
export function recordRows(record: RecordJson): {
  moatkit_data_keys: Record<string, string>;
  moatkit_data_key_current: Record<string, string>;
} {
  return {
    moatkit_data_keys: {
      id: record.id,
      scope: record.scope,
      master_key_id: record.masterKeyId,
      wrapped_key: `\\x${record.wrappedKey}`,
      created_at: new Date(record.createdAt).toISOString(),
    },
    moatkit_data_key_current: { scope: record.scope, data_key_id: record.id },
  };
}

// ---------------------------------------------------------------------------------------------
// blind index (blind-index.json)

export interface BlindIndexCaseInput {
  readonly name: string;
  readonly bits: number;
  readonly keyId: string;
  readonly valueUtf8?: string;
  readonly valueHex?: string;
}

export const BLIND_INDEX_CASES: readonly BlindIndexCaseInput[] = [
  { name: "users.email", bits: 32, keyId: "k2026", valueUtf8: "ada@example.com" },
  { name: "users.email", bits: 36, keyId: "k2026", valueUtf8: "ada@example.com" },
  { name: "users.email", bits: 64, keyId: "k2026", valueUtf8: "ada@example.com" },
  { name: "users.email", bits: 128, keyId: "k2026", valueUtf8: "ada@example.com" },
  { name: "users.email", bits: 255, keyId: "k2026", valueUtf8: "ada@example.com" },
  { name: "users.email", bits: 256, keyId: "k2026", valueUtf8: "ada@example.com" },
  { name: "users.email", bits: 64, keyId: "k2025", valueUtf8: "ada@example.com" },
  { name: "users.phone", bits: 64, keyId: "k2026", valueUtf8: "ada@example.com" },
  { name: "Städte", bits: 48, keyId: "k2026", valueUtf8: "Zürich 東京" },
  { name: "users.email", bits: 64, keyId: "k2026", valueUtf8: "" },
  { name: "blobs", bits: 64, keyId: "k2026", valueHex: "00ff10e2" },
];

export function runBlindIndex(c: BlindIndexCaseInput, backend: CryptoBackendName): string {
  const index = createBlindIndex({ keyring: vectorKeyring(), name: c.name, bits: c.bits, keyId: c.keyId, backend });
  return index.index(c.valueHex === undefined ? (c.valueUtf8 ?? "") : new Uint8Array(Buffer.from(c.valueHex, "hex")));
}

// ---------------------------------------------------------------------------------------------
// API keys (api-keys.json)

export interface ApiKeyCaseInput {
  readonly prefix: string;
  readonly env: "live" | "test";
  readonly body: string;
}

export const API_KEY_CASES: readonly ApiKeyCaseInput[] = [
  { prefix: "acme", env: "live", body: "4Fh2kQ9xZr7TbN1mPw3Yc8Lv6Jd0Sg5A" },
  { prefix: "acme", env: "test", body: "00000000000000000000000000000000" },
  { prefix: "sk2", env: "live", body: "zzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzzz" },
];

export const API_KEY_PEPPERS = [
  { name: "string pepper (its UTF-8 bytes are the HMAC key)", utf8: "pepper-0123456789-abcdefghijklmnop" },
  { name: "bytes pepper", hex: hex(fixedBytes("api key pepper", 32)) },
] as const;

export function runApiKey(c: ApiKeyCaseInput): {
  key: string;
  checksum: string;
  preview: string;
  hash: string;
  pepperedHashes: string[];
} {
  const key = formatApiKey(c.prefix, c.env, c.body);
  return {
    key,
    checksum: checksumOf(`${c.prefix}_${c.env}_${c.body}`),
    preview: previewOf(c.prefix, c.env, c.body),
    hash: apiKeyHasher()(key),
    pepperedHashes: API_KEY_PEPPERS.map((p) =>
      apiKeyHasher("utf8" in p ? new TextEncoder().encode(p.utf8) : new Uint8Array(Buffer.from(p.hex, "hex")))(key),
    ),
  };
}

// ---------------------------------------------------------------------------------------------
// recovery codes (recovery-codes.json)

export const RECOVERY_CASES = [
  {
    name: "with a selector key",
    userId: "user-1",
    selectorKey: "selector-key-0123456789abcdefghijklmnop",
    seed: "recovery codes keyed",
  },
  {
    name: "without a selector key (the public default key)",
    userId: "user-ü",
    selectorKey: undefined,
    seed: "recovery codes unkeyed",
  },
] as const;

export const RECOVERY_CODES_PER_SET = 3;

export async function runRecovery(
  c: (typeof RECOVERY_CASES)[number],
): Promise<{ code: string; selector: string; hash: string }[]> {
  const run = recoveryRun({
    random: streamRandom(c.seed),
    count: RECOVERY_CODES_PER_SET,
    ...(c.selectorKey === undefined ? {} : { selectorKey: c.selectorKey }),
  });
  const codes = await run.generate(c.userId);
  return Promise.all(
    codes.map(async (display) => {
      const code = display.replace("-", "");
      const selector = recoverySelectorRef(
        new TextEncoder().encode(c.selectorKey ?? "moatkit/mfa/recovery-code-selector/v1"),
        c.userId,
        code,
      );
      const hash = await run.stored(c.userId, selector);
      if (hash === null) throw new Error("no stored entry under the expected selector");
      return { code: display, selector, hash };
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// opaque tokens (tokens.json)

export function runTokens(): {
  token: string;
  hash: string;
  nonce: string;
  successor: string;
  successorHash: string;
}[] {
  return [1, 2, 3].map((i) => {
    const token = base64urlEncode(fixedBytes(`opaque token ${String(i)}`, 32));
    const nonce = base64urlEncode(fixedBytes(`refresh rotation nonce ${String(i)}`, 32));
    const successor = deriveSuccessorToken(token, nonce);
    return { token, hash: hashOpaqueToken(token), nonce, successor, successorHash: hashOpaqueToken(successor) };
  });
}

// ---------------------------------------------------------------------------------------------
// audit chain and checkpoint (audit-chain.json, audit-checkpoint.json)

export const AUDIT_ORG = "org_1";

export const AUDIT_EVENTS: readonly AuditEvent[] = [
  {
    id: "019b7a3c-5a00-7000-8000-000000000001",
    at: "2026-01-01T00:00:00.000Z",
    orgId: AUDIT_ORG,
    actor: { userId: "u_alice" },
    action: "api_key.create",
    target: { type: "api_key", id: "key_1" },
    requestId: "req-1",
    ip: "203.0.113.7",
    userAgent: "curl/8.5.0",
  },
  {
    id: "019b7a3c-5a01-7000-8000-000000000002",
    at: "2026-01-01T00:00:01.000Z",
    orgId: AUDIT_ORG,
    actor: { userId: "u_bob", impersonatorId: "staff_carol" },
    action: "user.update",
    target: { type: "user", id: "u_bob" },
    requestId: null,
    ip: "2001:db8::1",
    userAgent: null,
    diff: [
      { path: "/name", op: "change", before: "Bob", after: "Bøb 😀" },
      { path: "/roles/1", op: "add", after: { since: 2026, role: "admin" } },
    ],
  },
  {
    id: "019b7a3c-5a02-7000-8000-000000000003",
    at: "2026-01-01T00:00:02.000Z",
    orgId: AUDIT_ORG,
    actor: { userId: "u_alice" },
    action: "api_key.revoke",
    target: { type: "api_key", id: "key_1" },
    requestId: "req-3",
    ip: null,
    userAgent: null,
    metadata: { reason: "leaked", z: [1, 2.5, -0.001, 1e21], a: { "\u20ac": true, "\r": null, "1": "one" } },
  },
];

export function runAuditChain(): { canonical: string; stored: unknown }[] {
  let head = EMPTY_CHAIN_HEAD;
  return AUDIT_EVENTS.map((event) => {
    const stored = sealAuditEvent(event, head);
    head = { seq: stored.seq, hash: stored.hash };
    const { hash: _hash, ...withoutHash } = stored;
    return { canonical: canonicalJson(withoutHash), stored: JSON.parse(JSON.stringify(stored)) as unknown };
  });
}

/** The checkpoint signer: Ed25519 from a fixed 32-byte seed (Ed25519 signatures are deterministic). */
export function checkpointKeys(): {
  seed: string;
  privateJwk: { kty: string; crv: string; d: string; x: string };
  publicJwk: { kty: string; crv: string; x: string };
} {
  const seed = fixedBytes("audit checkpoint ed25519 seed", 32);
  const pkcs8 = Buffer.concat([Buffer.from("302e020100300506032b657004220420", "hex"), seed]);
  const jwk = createPrivateKey({ key: pkcs8, format: "der", type: "pkcs8" }).export({ format: "jwk" });
  const x = String(jwk.x);
  return {
    seed: hex(seed),
    privateJwk: { kty: "OKP", crv: "Ed25519", d: String(jwk.d), x },
    publicJwk: { kty: "OKP", crv: "Ed25519", x },
  };
}

export const CHECKPOINT_KID = "audit-2026";

/** The prune anchor left by pruning the chain's first `seq` events (a minute after the checkpoint). */
export async function runAnchor(seq: number, hash: string): Promise<string> {
  const anchor = { orgId: AUDIT_ORG, seq, hash, at: new Date(NOW + 120_000).toISOString() };
  return signAuditAnchor(anchor, { alg: "EdDSA", privateKey: checkpointKeys().privateJwk, kid: CHECKPOINT_KID });
}

export async function runCheckpoint(seq: number, hash: string): Promise<string> {
  const checkpoint = { orgId: AUDIT_ORG, seq, hash, at: new Date(NOW + 60_000).toISOString() };
  return signAuditCheckpoint(checkpoint, {
    alg: "EdDSA",
    privateKey: checkpointKeys().privateJwk,
    kid: CHECKPOINT_KID,
  });
}

// ---------------------------------------------------------------------------------------------
// password hashes (passwords.json)

export const PASSWORD_BCRYPT_COST = 4;

export const PASSWORD_CASES: readonly {
  readonly name: string;
  readonly password: string;
  readonly long: "reject" | "prehash";
}[] = [
  { name: "short ASCII", password: "correct horse battery staple", long: "reject" },
  { name: "exactly 72 UTF-8 bytes: bcrypt sees it as is", password: "p".repeat(70) + "é", long: "reject" },
  { name: "73 UTF-8 bytes, prehashed", password: "p".repeat(71) + "é", long: "prehash" },
  { name: "non-ASCII, 112 UTF-8 bytes, prehashed", password: "Grüße ".repeat(12) + "x".repeat(16), long: "prehash" },
];

export async function runPassword(c: (typeof PASSWORD_CASES)[number]): Promise<string> {
  return hashPassword(c.password, {
    cost: PASSWORD_BCRYPT_COST,
    long: c.long,
    random: streamRandom(`password ${c.name}`),
  });
}

export { masterKey };
