/**
 * A deterministic in-process key provider for vectors and unit tests: wrap(key, context) is
 * "tkms1" ‖ (key XOR HMAC(secret, "mask" ‖ context)) ‖ HMAC(secret, "tag" ‖ context ‖ that)[0..16].
 * It binds every context field like a real KMS, and gives the same bytes for the same inputs, so
 * a token made with it and a seeded random source is a fixed vector. Not a real cipher: tests only.
 */
import { createHmac, timingSafeEqual } from "node:crypto";
import type { KeyProvider, WrapContext } from "../../src/crypto/key-provider.js";

const PREFIX = Buffer.from("tkms1");

function contextBytes(c: WrapContext): Buffer {
  const parts = [c.purpose, c.keyId, c.mode, c.dataKeyId, c.scope].map((p) => Buffer.from(p, "utf8"));
  return Buffer.concat(
    parts.flatMap((p) => [Buffer.from([p.length >> 24, p.length >> 16, p.length >> 8, p.length]), p]),
  );
}

function mac(secret: Uint8Array, label: string, ...parts: Uint8Array[]): Buffer {
  const h = createHmac("sha256", secret).update(label);
  for (const p of parts) h.update(p);
  return h.digest();
}

/** Calls made, for tests that count. */
export interface CountingProvider extends KeyProvider {
  readonly counts: { wrap: number; unwrap: number };
}

export function deterministicProvider(secret: Uint8Array, keyName = "test-kms/key:v1"): CountingProvider {
  const counts = { wrap: 0, unwrap: 0 };
  return {
    kind: "test-kms",
    keyName,
    counts,
    wrap(key, context) {
      counts.wrap++;
      const ctx = contextBytes(context);
      const mask = mac(secret, "mask", ctx);
      const masked = Buffer.from(key.map((b, i) => b ^ (mask[i] ?? 0)));
      return Promise.resolve(
        new Uint8Array(Buffer.concat([PREFIX, masked, mac(secret, "tag", ctx, masked).subarray(0, 16)])),
      );
    },
    unwrap(wrapped, context) {
      counts.unwrap++;
      const bytes = Buffer.from(wrapped);
      if (bytes.length !== PREFIX.length + 48 || !bytes.subarray(0, PREFIX.length).equals(PREFIX))
        return Promise.resolve(undefined);
      const ctx = contextBytes(context);
      const masked = bytes.subarray(PREFIX.length, PREFIX.length + 32);
      const tag = mac(secret, "tag", ctx, masked).subarray(0, 16);
      if (!timingSafeEqual(tag, bytes.subarray(PREFIX.length + 32))) return Promise.resolve(undefined);
      const mask = mac(secret, "mask", ctx);
      return Promise.resolve(new Uint8Array(masked.map((b, i) => b ^ (mask[i] ?? 0))));
    },
  };
}
