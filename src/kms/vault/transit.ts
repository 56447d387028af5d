/**
 * The Vault / OpenBao Transit HTTP calls the provider makes, and how their answers map to
 * {@link KeyProviderError}s. Only `fetch` is used: no SDK, nothing loaded that the envelope does
 * not need.
 */
import { KeyProviderError, type KeyProviderFailure, type WrapContext } from "../../crypto/key-provider.js";

/** The part of a `fetch` response the provider reads. */
export interface VaultFetchResponse {
  /** The HTTP status. */
  readonly status: number;
  /** The body, parsed as JSON. */
  json(): Promise<unknown>;
}

/** The part of `fetch` the provider uses (a test or a proxy may hand in its own). */
export type VaultFetch = (
  url: string,
  init: { method: "POST"; headers: Record<string, string>; body: string; signal: AbortSignal },
) => Promise<VaultFetchResponse>;

/** @internal What one call needs to reach Transit. */
export interface TransitTarget {
  readonly address: string;
  readonly mount: string;
  readonly name: string;
  readonly namespace: string | undefined;
  readonly token: () => string | Promise<string>;
  readonly fetch: VaultFetch;
}

const CONTEXT_LABEL = "moatkit/v1 vault-context";

/**
 * @internal The Transit `context` for a wrap: base64 of uint32 length ‖ UTF-8 bytes for the label
 * and each field, in a fixed order, so two different contexts never encode alike. With a derived
 * key, Vault derives the encryption key from it: another context derives another key, and the
 * ciphertext does not authenticate.
 */
export function transitContext(context: WrapContext): string {
  const parts = [CONTEXT_LABEL, context.purpose, context.keyId, context.mode, context.dataKeyId, context.scope].map(
    (p) => Buffer.from(p, "utf8"),
  );
  const out = Buffer.alloc(parts.reduce((n, p) => n + 4 + p.length, 0));
  let offset = 0;
  for (const p of parts) {
    out.writeUInt32BE(p.length, offset);
    p.copy(out, offset + 4);
    offset += 4 + p.length;
  }
  return out.toString("base64");
}

/** @internal The answer of a Transit call: its `data` object, or the outcome that stands for a refusal. */
export type TransitAnswer = { ok: true; data: Record<string, unknown> } | { ok: false; refused: true };

function fail(failure: KeyProviderFailure, what: string, cause?: unknown): KeyProviderError {
  return new KeyProviderError(failure, `vault transit: ${what}`, cause === undefined ? {} : { cause });
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null;
}

function errorsOf(body: unknown): string {
  if (typeof body !== "object" || body === null || !("errors" in body) || !Array.isArray(body.errors)) return "";
  return body.errors.filter((e): e is string => typeof e === "string").join("; ");
}

/** Vault answers a key or version it will not use with a 400 and one of these phrases. */
const DISABLED = /disallowed by policy|minimum (encryption|decryption)|too old|key is disabled|deletion|archived/i;

/** A 400 that is not about the key's state means the ciphertext or its context does not authenticate. */
function classify400(message: string, decrypting: boolean): KeyProviderError | "refused" {
  if (/encryption key not found|key not found/i.test(message)) return fail("not_found", "the key does not exist");
  if (DISABLED.test(message))
    return fail("key_disabled", "the key version is not allowed (disabled or below the minimum)");
  if (decrypting) return "refused";
  return fail("invalid_response", "the request was refused (400)");
}

function classifyStatus(status: number): KeyProviderError {
  if (status === 429) return fail("throttled", "rate limited (429)");
  if (status === 401 || status === 403) return fail("denied", `permission denied (${String(status)})`);
  if (status === 404) return fail("not_found", "the key or mount does not exist (404)");
  if (status >= 500) return fail("unavailable", `the server answered ${String(status)}`);
  return fail("invalid_response", `unexpected status ${String(status)}`);
}

/**
 * @internal POSTs `body` to `/v1/<mount>/<path>/<name>` and returns its `data`. A refused decrypt
 * (the ciphertext or context does not authenticate) is `{ ok: false }`; everything else that
 * fails throws a KeyProviderError. The error never quotes Vault's body: it may echo input.
 */
export async function transitCall(
  target: TransitTarget,
  path: string,
  body: Record<string, unknown>,
  signal: AbortSignal,
  decrypting: boolean,
): Promise<TransitAnswer> {
  const headers: Record<string, string> = {
    "content-type": "application/json",
    "x-vault-token": await target.token(),
  };
  if (target.namespace !== undefined) headers["x-vault-namespace"] = target.namespace;
  const url = `${target.address}/v1/${target.mount}/${path}/${encodeURIComponent(target.name)}`;
  let response: VaultFetchResponse;
  let answer: unknown;
  try {
    response = await target.fetch(url, { method: "POST", headers, body: JSON.stringify(body), signal });
    answer = await response.json().catch(() => undefined);
  } catch (error) {
    if (signal.aborted) throw fail("timeout", "the call was aborted at its deadline", error);
    throw fail("unavailable", "the server could not be reached", error);
  }
  if (response.status === 400) {
    const outcome = classify400(errorsOf(answer), decrypting);
    if (outcome === "refused") return { ok: false, refused: true };
    throw outcome;
  }
  if (response.status !== 200) throw classifyStatus(response.status);
  const data = isRecord(answer) ? answer.data : undefined;
  if (!isRecord(data)) throw fail("invalid_response", "the answer has no data");
  return { ok: true, data };
}

/** @internal A string field of an answer's data, or an invalid_response failure. */
export function field(data: Record<string, unknown>, name: string): string {
  const value = data[name];
  if (typeof value !== "string" || value.length === 0) throw fail("invalid_response", `the answer has no ${name}`);
  return value;
}
