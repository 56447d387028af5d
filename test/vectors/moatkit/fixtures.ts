/**
 * Everything the known-answer vectors take from moatkit, in one place, plus the fixed inputs.
 *
 * The generator (generate.ts) and the tests (*.test.ts) reach moatkit only through this file, so
 * a rename inside moatkit is fixed here once. Nothing here decides a format: the formats are what
 * moatkit writes, checked against the committed JSON and against the reference implementation in
 * reference.ts (written from docs/format.md alone).
 */
import { createHash } from "node:crypto";
import { readFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { createMemoryDataKeyStore, createMemoryRecoveryCodeStore } from "../../../src/adapters/memory/index.js";
import { createPostgresDataKeyStore, type SqlClient } from "../../../src/adapters/postgres/index.js";
import { canonicalJson } from "../../../src/_internal/canonical-json.js";
import { base64urlDecode, base64urlEncode } from "../../../src/_internal/encoding.js";
import {
  hashAuditEvent,
  sealAuditEvent,
  EMPTY_CHAIN_HEAD,
  type AuditEvent,
  type StoredAuditEvent,
} from "../../../src/audit/event.js";
import {
  signAuditAnchor,
  signAuditCheckpoint,
  verifyAuditCheckpoint,
  type AuditCheckpoint,
} from "../../../src/audit/checkpoint.js";
import { verifyAuditChain } from "../../../src/audit/verify.js";
import { apiKeyHasher } from "../../../src/apikeys/hash-key.js";
import { checksumOf, formatApiKey, parseApiKey, previewOf } from "../../../src/apikeys/format.js";
import { createBlindIndex } from "../../../src/crypto/blind-index.js";
import { nobleBackend } from "../../../src/crypto/backend-noble.js";
import { nodeCryptoBackend } from "../../../src/crypto/backend-select.js";
import type { AeadAlgorithm, CryptoBackend, CryptoBackendName } from "../../../src/crypto/backend.js";
import type { EncryptionContext } from "../../../src/crypto/context.js";
import { createEnvelope } from "../../../src/crypto/envelope.js";
import { createKeyring, parseMasterKeys, type MasterKeyring } from "../../../src/crypto/keyring.js";
import type { DataKeyRecord, DataKeyStore } from "../../../src/crypto/store.js";
import { normalizeRecoveryCode } from "../../../src/mfa/recovery-code-format.js";
import { createRecoveryCodes } from "../../../src/mfa/recovery-codes.js";
import type { RecoveryCodeStore } from "../../../src/mfa/store.js";
import { hashPassword, verifyPassword } from "../../../src/passwords/password-hash.js";
import { deriveSuccessorToken, hashOpaqueToken } from "../../../src/sessions/opaque-token.js";

export {
  apiKeyHasher,
  base64urlDecode,
  base64urlEncode,
  canonicalJson,
  checksumOf,
  createBlindIndex,
  createEnvelope,
  createKeyring,
  deriveSuccessorToken,
  formatApiKey,
  hashAuditEvent,
  hashOpaqueToken,
  hashPassword,
  normalizeRecoveryCode,
  parseApiKey,
  parseMasterKeys,
  previewOf,
  sealAuditEvent,
  signAuditAnchor,
  signAuditCheckpoint,
  verifyAuditChain,
  verifyAuditCheckpoint,
  verifyPassword,
  EMPTY_CHAIN_HEAD,
};
export type { SqlClient };
export type {
  AeadAlgorithm,
  AuditCheckpoint,
  AuditEvent,
  CryptoBackend,
  CryptoBackendName,
  DataKeyRecord,
  EncryptionContext,
  MasterKeyring,
  StoredAuditEvent,
};

/** Both crypto backends, by name. */
export const BACKENDS: Readonly<Record<CryptoBackendName, CryptoBackend>> = {
  node: nodeCryptoBackend() ?? nobleBackend,
  noble: nobleBackend,
};
export const BACKEND_NAMES: readonly CryptoBackendName[] = ["node", "noble"];

// ---------------------------------------------------------------------------------------------
// fixed inputs

/** The clock of every vector: 2026-01-01T00:00:00.000Z. */
export const NOW = Date.UTC(2026, 0, 1);

/**
 * Fixed "random" bytes: the first `n` bytes of SHA-256("moatkit test vector " ‖ label), so each
 * role gets distinct, reproducible bytes (n ≤ 32). The JSON records the bytes themselves; this is
 * only how they were chosen.
 */
export function fixedBytes(label: string, n: number): Uint8Array {
  if (n > 32) throw new Error("fixedBytes gives at most 32 bytes");
  return new Uint8Array(createHash("sha256").update(`moatkit test vector ${label}`).digest().subarray(0, n));
}

export const MASTER_KEYS: readonly { readonly id: string; readonly key: Uint8Array }[] = [
  { id: "k2026", key: fixedBytes("master key k2026", 32) },
  { id: "k2025", key: fixedBytes("master key k2025", 32) },
];

/** The keyring of the vectors: k2026 primary, k2025 also present. */
export function vectorKeyring(): MasterKeyring {
  return createKeyring(MASTER_KEYS.map((k) => ({ id: k.id, key: k.key })));
}

export function hex(bytes: Uint8Array): string {
  return Buffer.from(bytes).toString("hex");
}

export function unhex(text: string): Uint8Array {
  return new Uint8Array(Buffer.from(text, "hex"));
}

/**
 * A random source that hands out given bytes by request length, in order per length, and fails
 * loudly on anything unexpected. Keyed by length so the vectors do not depend on the order in
 * which moatkit draws different-sized values (only on the order of same-sized ones).
 */
export function scriptedRandom(byLength: Readonly<Record<number, readonly Uint8Array[]>>): (n: number) => Uint8Array {
  const queues = new Map<number, Uint8Array[]>(Object.entries(byLength).map(([n, list]) => [Number(n), [...list]]));
  return (n: number) => {
    const next = queues.get(n)?.shift();
    if (next === undefined) throw new Error(`scripted random: unexpected request for ${String(n)} bytes`);
    return Uint8Array.from(next);
  };
}

/** A deterministic byte stream (SHA-256 in counter mode over a seed), for values drawn in bulk. */
export function streamRandom(seed: string): (n: number) => Uint8Array {
  let counter = 0;
  let buffer = new Uint8Array(0);
  return (n: number) => {
    while (buffer.length < n) {
      const block = createHash("sha256")
        .update(`${seed}/${String(counter++)}`)
        .digest();
      const next = new Uint8Array(buffer.length + block.length);
      next.set(buffer);
      next.set(block, buffer.length);
      buffer = next;
    }
    const out = buffer.slice(0, n);
    buffer = buffer.slice(n);
    return out;
  };
}

// ---------------------------------------------------------------------------------------------
// moatkit objects the vectors drive (store method names live only here)

export interface EnvelopeRun {
  encrypt(plaintext: string | Uint8Array, context: EncryptionContext, tenantId: string | undefined): Promise<string>;
  encryptBytes(
    plaintext: string | Uint8Array,
    context: EncryptionContext,
    tenantId: string | undefined,
  ): Promise<Uint8Array>;
  decrypt(token: string | Uint8Array, context: EncryptionContext, tenantId: string | undefined): Promise<Uint8Array>;
  /** The data key records the envelope's store holds (stored mode). */
  records(): Promise<readonly DataKeyRecord[]>;
}

/** An envelope over the vector keyring, with a memory data key store (stored mode) holding `records`. */
export async function envelopeRun(options: {
  readonly backend: CryptoBackendName;
  readonly algorithm: AeadAlgorithm;
  readonly mode: "stored" | "embedded";
  readonly random?: (n: number) => Uint8Array;
  readonly records?: readonly DataKeyRecord[];
  /** A Postgres database to keep data keys in instead of memory (stored mode). */
  readonly client?: SqlClient;
}): Promise<EnvelopeRun> {
  let store: DataKeyStore | undefined;
  if (options.mode === "stored") {
    store =
      options.client === undefined
        ? createMemoryDataKeyStore()
        : createPostgresDataKeyStore({ client: options.client });
    for (const record of options.records ?? []) await store.setCurrentDataKey(record, null);
  }
  const envelope = createEnvelope({
    keyring: vectorKeyring(),
    algorithm: options.algorithm,
    backend: options.backend,
    now: () => NOW,
    ...(store === undefined ? {} : { dataKeys: store }),
    ...(options.random === undefined ? {} : { random: options.random }),
  });
  const binding = (context: EncryptionContext, tenantId: string | undefined) =>
    tenantId === undefined ? { context } : { context, tenantId };
  return {
    encrypt: (p, c, t) => envelope.encrypt(p, binding(c, t)),
    encryptBytes: (p, c, t) => envelope.encryptBytes(p, binding(c, t)),
    decrypt: (token, c, t) => envelope.decrypt(token, binding(c, t)),
    records: async () => (store === undefined ? [] : store.listDataKeys({ limit: 100 })),
  };
}

/** Stores `record` through the Postgres data key store and makes it its scope's current key. */
export async function putPostgresDataKey(client: SqlClient, record: DataKeyRecord): Promise<void> {
  const store = createPostgresDataKeyStore({ client });
  const current = await store.getCurrentDataKey(record.scope);
  const result = await store.setCurrentDataKey(record, current?.id ?? null);
  if (!result.created) throw new Error("the data key was not stored");
}

/** The bcrypt cost the recovery-code vectors use (the minimum, to keep the tests fast). */
export const RECOVERY_BCRYPT_COST = 4;

export interface RecoveryRun {
  generate(userId: string): Promise<readonly string[]>;
  redeem(userId: string, code: string): Promise<boolean>;
  /** The stored hash for a user and selector, or null. */
  stored(userId: string, selector: string): Promise<string | null>;
  /** Puts entries in the store directly, as another implementation would have written them. */
  put(userId: string, entries: readonly { selector: string; hash: string }[]): Promise<void>;
}

export function recoveryRun(options: {
  readonly selectorKey?: string;
  readonly random: (n: number) => Uint8Array;
  readonly count: number;
}): RecoveryRun {
  const store: RecoveryCodeStore = createMemoryRecoveryCodeStore();
  const codes = createRecoveryCodes({
    store,
    count: options.count,
    cost: RECOVERY_BCRYPT_COST,
    random: options.random,
    ...(options.selectorKey === undefined ? {} : { selectorKey: options.selectorKey }),
  });
  return {
    generate: async (userId) => (await codes.generate(userId)).reveal(),
    redeem: async (userId, code) => (await codes.redeem(userId, code)).ok,
    stored: (userId, selector) => store.findRecoveryCode(userId, selector),
    put: (userId, entries) => store.replaceRecoveryCodes(userId, entries),
  };
}

// ---------------------------------------------------------------------------------------------
// the committed files

export const VECTOR_DIR: string = fileURLToPath(new URL(".", import.meta.url));

/** A committed file, parsed (each test file declares the shape it reads). */
export function readVectors(file: string): unknown {
  return JSON.parse(readFileSync(new URL(file, import.meta.url), "utf8"));
}
