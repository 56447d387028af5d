/**
 * Canonical JSON (audit hashes, AAD) and base62 (API keys) against JSON.stringify of the same
 * value, the floor any JSON serialiser is measured against.
 */
import { canonicalJson } from "../src/_internal/canonical-json.js";
import { base62Encode } from "../src/_internal/encoding.js";
import { defineBenchSuite } from "./harness.js";

const auditEvent = {
  id: "01J9Z6T3K8Q2M4N6P8R0S2T4V6",
  at: "2026-01-01T12:00:00.000Z",
  orgId: "org_4Fh2kd93",
  actor: { userId: "user_91kd", impersonatorId: null },
  action: "api_key.revoke",
  target: { type: "api_key", id: "key_9d8s7f" },
  requestId: "req_72hd8s",
  ip: "203.0.113.7",
  userAgent: "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36",
  diff: [{ path: "revokedAt", op: "add", after: "2026-01-01T12:00:00.000Z" }],
  metadata: { reason: "rotated", scopes: ["read", "write"], ttl: 3600 },
  prevHash: "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
};
const keyBytes = crypto.getRandomValues(new Uint8Array(24));
const keyHex = Buffer.from(keyBytes).toString("hex");

export default defineBenchSuite({
  title: "canonical JSON and base62",
  groups: [
    {
      name: "serialise an audit event (~600 B)",
      baseline: "JSON.stringify",
      tasks: {
        "JSON.stringify": () => JSON.stringify(auditEvent),
        canonicalJson: () => canonicalJson(auditEvent),
      },
    },
    {
      name: "encode 24 random bytes (an API key body)",
      baseline: "JSON.stringify",
      tasks: {
        "JSON.stringify": () => JSON.stringify(keyHex),
        "Buffer hex": () => Buffer.from(keyBytes).toString("hex"),
        base62Encode: () => base62Encode(keyBytes),
      },
    },
  ],
});
