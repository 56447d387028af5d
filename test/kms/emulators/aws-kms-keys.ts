/**
 * The key store of the AWS KMS emulator: keys with backing versions (AES-256-GCM), states,
 * aliases and multi-Region replicas, and the emulator's own ciphertext blob format:
 *
 *   "MKE1" | key id length (1) | key id (utf8) | backing version (uint32 BE) | iv (12) | ct | tag (16)
 *
 * Like a real KMS ciphertext it names the key and the backing key, so Decrypt needs no KeyId,
 * and its header plus the canonical encryption context are the AAD, so changing either fails
 * authentication. A multi-Region key's id (`mrk-…`) is the same in every Region, so a replica
 * sharing the backing keys decrypts the primary's ciphertexts.
 */
import { createCipheriv, createDecipheriv, randomBytes, randomUUID } from "node:crypto";

export type KeyState = "Enabled" | "Disabled" | "PendingDeletion";

/** Backing keys shared by a multi-Region key and its replicas; version n is `versions[n - 1]`. */
interface Material {
  readonly versions: Buffer[];
}

export interface KeyRecord {
  readonly keyId: string;
  readonly arn: string;
  readonly material: Material;
  state: KeyState;
}

const MAGIC = Buffer.from("MKE1");

/** A backing version's public name: `<key id>/<n>`. */
export function versionName(keyId: string, version: number): string {
  return `${keyId}/${String(version)}`;
}

/** The encryption context as AAD bytes: sorted pairs, so the order keys were sent in does not matter. */
function canonicalContext(context: Readonly<Record<string, string>>): Buffer {
  const pairs = Object.entries(context).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return Buffer.from(JSON.stringify(pairs));
}

export class KeyStore {
  private readonly keys = new Map<string, KeyRecord>();
  private readonly aliases = new Map<string, string>();

  constructor(
    readonly region: string,
    readonly account: string,
  ) {}

  private arnOf(keyId: string): string {
    return `arn:aws:kms:${this.region}:${this.account}:key/${keyId}`;
  }

  create(multiRegion: boolean): KeyRecord {
    const keyId = multiRegion ? `mrk-${randomBytes(16).toString("hex")}` : randomUUID();
    const record: KeyRecord = {
      keyId,
      arn: this.arnOf(keyId),
      material: { versions: [randomBytes(32)] },
      state: "Enabled",
    };
    this.keys.set(keyId, record);
    return record;
  }

  /** Adds a replica of `source` (a multi-Region key of another store) here, sharing its backing keys. */
  replicate(source: KeyRecord): KeyRecord {
    const record: KeyRecord = {
      keyId: source.keyId,
      arn: this.arnOf(source.keyId),
      material: source.material,
      state: "Enabled",
    };
    this.keys.set(source.keyId, record);
    return record;
  }

  setAlias(name: string, record: KeyRecord): void {
    this.aliases.set(name, record.keyId);
  }

  /** A key by key id, key ARN, alias name or alias ARN of this Region and account. */
  resolve(id: string): KeyRecord | undefined {
    const prefix = `arn:aws:kms:${this.region}:${this.account}:`;
    const local = id.startsWith("arn:") ? (id.startsWith(prefix) ? id.slice(prefix.length) : undefined) : id;
    if (local === undefined) return undefined;
    if (local.startsWith("alias/")) {
      const target = this.aliases.get(local);
      return target === undefined ? undefined : this.keys.get(target);
    }
    return this.keys.get(local.startsWith("key/") ? local.slice(4) : local);
  }

  byKeyId(keyId: string): KeyRecord | undefined {
    return this.keys.get(keyId);
  }
}

/** Adds a backing version (what AWS's automatic or on-demand rotation does); returns its number. */
export function rotateMaterial(record: KeyRecord): number {
  record.material.versions.push(randomBytes(32));
  return record.material.versions.length;
}

/** The current backing version of a key. */
export function currentVersion(record: KeyRecord): number {
  return record.material.versions.length;
}

export function seal(record: KeyRecord, plaintext: Buffer, context: Readonly<Record<string, string>>): Buffer {
  const version = currentVersion(record);
  const id = Buffer.from(record.keyId, "utf8");
  const versionBytes = Buffer.alloc(4);
  versionBytes.writeUInt32BE(version);
  const iv = randomBytes(12);
  const header = Buffer.concat([MAGIC, Buffer.from([id.length]), id, versionBytes, iv]);
  const cipher = createCipheriv("aes-256-gcm", record.material.versions[version - 1] ?? Buffer.alloc(32), iv);
  cipher.setAAD(Buffer.concat([header, canonicalContext(context)]));
  return Buffer.concat([header, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
}

/** The key id and backing version a blob names, or `undefined` when it is not one of ours. */
export function blobHeader(blob: Buffer): { keyId: string; version: number; headerLength: number } | undefined {
  if (blob.length < MAGIC.length + 1 || !blob.subarray(0, MAGIC.length).equals(MAGIC)) return undefined;
  const idLength = blob[MAGIC.length] ?? 0;
  const headerLength = MAGIC.length + 1 + idLength + 4 + 12;
  if (blob.length < headerLength + 16) return undefined;
  const keyId = blob.subarray(MAGIC.length + 1, MAGIC.length + 1 + idLength).toString("utf8");
  return { keyId, version: blob.readUInt32BE(MAGIC.length + 1 + idLength), headerLength };
}

/** The plaintext, or `undefined` when the blob does not authenticate under `record` and `context`. */
export function open(record: KeyRecord, blob: Buffer, context: Readonly<Record<string, string>>): Buffer | undefined {
  const header = blobHeader(blob);
  if (header === undefined || header.keyId !== record.keyId) return undefined;
  const material = record.material.versions[header.version - 1];
  if (material === undefined) return undefined;
  const iv = blob.subarray(header.headerLength - 12, header.headerLength);
  const decipher = createDecipheriv("aes-256-gcm", material, iv);
  decipher.setAAD(Buffer.concat([blob.subarray(0, header.headerLength), canonicalContext(context)]));
  decipher.setAuthTag(blob.subarray(blob.length - 16));
  try {
    return Buffer.concat([decipher.update(blob.subarray(header.headerLength, blob.length - 16)), decipher.final()]);
  } catch {
    return undefined;
  }
}
