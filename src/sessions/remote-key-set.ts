/**
 * Remote key sets: verify-only public keys fetched from another service's JWKS endpoint, for
 * access tokens that service issues. Built on jose's `createRemoteJWKSet` (its cache, its
 * cooldown between refetches, one refetch when a token names an unknown `kid`), with moatkit's
 * rules in front of it: https only (http only on loopback), a bounded response that must be
 * JSON, symmetric and private keys dropped before jose sees them, a required `kid`, and every
 * fetch failure answered as `keys_unavailable`, never thrown and never a pass.
 */
import { type CryptoKey, type JWTHeaderParameters, compactVerify, createRemoteJWKSet, customFetch, errors } from "jose";
import { z } from "zod";
import { parseOptions } from "../_internal/options.js";
import { MoatError } from "../errors.js";
import { joseFailureReason } from "./jose-errors.js";
import {
  type JwsFailureReason,
  type JwsVerifyResult,
  KeyResolutionError,
  type KeySetInternals,
  registerKeySetInternals,
} from "./key-set.js";
import { isKid } from "./key-material.js";

/** The algorithms a remote key set can accept: public-key algorithms only (an HS256 secret is never published). */
export type RemoteSigningAlgorithm = "RS256" | "ES256" | "EdDSA";

/** Options for {@link createRemoteKeySet}. */
export interface RemoteKeySetOptions {
  /** Algorithms accepted; default all of `RS256`, `ES256`, `EdDSA`. A token naming another is `invalid_signature`. */
  readonly algorithms?: readonly RemoteSigningAlgorithm[];
  /** How long a fetched JWKS is used before it is fetched again, in ms; default 600,000 (10 minutes). */
  readonly cacheMaxAge?: number;
  /**
   * After a fetch, how long a token naming an unknown `kid` is answered `unknown_key` without
   * fetching again, in ms; default 30,000. Stops a stream of forged `kid`s from hammering the
   * issuer.
   */
  readonly cooldownDuration?: number;
  /** Give up on a fetch after this many ms; default 5,000. */
  readonly timeoutMs?: number;
  /** Largest JWKS response accepted, in bytes; default 65,536. */
  readonly maxResponseBytes?: number;
}

/** A verify-only key set backed by a remote JWKS. Create with {@link createRemoteKeySet}. */
export interface RemoteKeySet {
  /** Always `true`: this set never signs. */
  readonly verifyOnly: true;
  /** The JWKS URL. */
  readonly url: string;
  /** The accepted algorithms. */
  readonly algorithms: readonly RemoteSigningAlgorithm[];
  /**
   * Verifies a compact JWS against the remote keys without interpreting its payload. Never
   * throws for a bad token or an unreachable JWKS (`keys_unavailable`).
   *
   * @throws MoatError ERR_INVALID_INPUT when `jws` is not a string.
   */
  verifyJws(jws: string): Promise<JwsVerifyResult>;
}

const REMOTE_ALGORITHMS: readonly RemoteSigningAlgorithm[] = ["RS256", "ES256", "EdDSA"];
const LOOPBACK_HOSTS = new Set(["127.0.0.1", "[::1]", "localhost"]);
const PUBLIC_KTYS = new Set(["RSA", "EC", "OKP"]);
/** Private-key members of RSA, EC and OKP JWKs (RFC 7518 §6): a key published with them is compromised. */
const PRIVATE_MEMBERS = ["d", "p", "q", "dp", "dq", "qi", "oth"];
const MAX_KEYS = 64;
const MAX_JWS_LENGTH = 16_384;

const optionsSchema = z.strictObject({
  algorithms: z
    .array(z.enum(["RS256", "ES256", "EdDSA"]))
    .min(1)
    .optional(),
  cacheMaxAge: z
    .number()
    .int()
    .min(0)
    .max(7 * 24 * 3600_000)
    .default(600_000),
  cooldownDuration: z
    .number()
    .int()
    .min(0)
    .max(24 * 3600_000)
    .default(30_000),
  timeoutMs: z.number().int().positive().max(60_000).default(5000),
  maxResponseBytes: z
    .number()
    .int()
    .positive()
    .max(16 * 1024 * 1024)
    .default(65_536),
});

/** A JWKS response refused before jose parses it; never leaves this module. */
class JwksRefused extends Error {}

/** Reads a response body, refusing it as soon as it passes `limit` bytes. */
async function readBounded(response: Response, limit: number): Promise<string> {
  const declared = Number(response.headers.get("content-length"));
  if (Number.isFinite(declared) && declared > limit) throw new JwksRefused("JWKS response too large");
  const body = response.body;
  if (body === null) return "";
  const chunks: Uint8Array[] = [];
  let total = 0;
  // Leaving the loop early (break or throw) cancels the stream, so a huge body is not drained.
  for await (const value of body as unknown as AsyncIterable<Uint8Array>) {
    total += value.byteLength;
    if (total > limit) throw new JwksRefused("JWKS response too large");
    chunks.push(value);
  }
  return new TextDecoder("utf-8", { fatal: true }).decode(Buffer.concat(chunks));
}

/** Whether a JWK from the remote document may verify tokens: a public asymmetric signing key with a kid. */
function usableKey(jwk: unknown): jwk is Record<string, unknown> {
  if (typeof jwk !== "object" || jwk === null || Array.isArray(jwk)) return false;
  const kty: unknown = Reflect.get(jwk, "kty");
  if (typeof kty !== "string" || !PUBLIC_KTYS.has(kty)) return false;
  if (!isKid(Reflect.get(jwk, "kid"))) return false;
  const alg: unknown = Reflect.get(jwk, "alg");
  if (alg !== undefined && !REMOTE_ALGORITHMS.some((a) => a === alg)) return false;
  const use: unknown = Reflect.get(jwk, "use");
  if (use !== undefined && use !== "sig") return false;
  return !PRIVATE_MEMBERS.some((member) => Reflect.get(jwk, member) !== undefined);
}

/** Parses and filters a JWKS body; throws {@link JwksRefused} for anything that is not one. */
function filterJwks(text: string): { keys: Record<string, unknown>[] } {
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new JwksRefused("JWKS response is not JSON");
  }
  const keys: unknown = typeof parsed === "object" && parsed !== null ? Reflect.get(parsed, "keys") : undefined;
  if (!Array.isArray(keys)) throw new JwksRefused("JWKS response has no keys array");
  return { keys: keys.filter(usableKey).slice(0, MAX_KEYS) };
}

function checkUrl(url: unknown): URL {
  let parsed: URL;
  try {
    if (typeof url !== "string" && !(url instanceof URL)) throw new TypeError("not a URL");
    parsed = new URL(url);
  } catch {
    throw new MoatError("ERR_CONFIG", { message: "createRemoteKeySet needs a JWKS URL" });
  }
  if (parsed.username !== "" || parsed.password !== "") {
    throw new MoatError("ERR_CONFIG", { message: "the JWKS URL must not carry credentials" });
  }
  if (parsed.protocol !== "https:" && !(parsed.protocol === "http:" && LOOPBACK_HOSTS.has(parsed.hostname))) {
    throw new MoatError("ERR_CONFIG", { message: "the JWKS URL must be https (http only on a loopback host)" });
  }
  return parsed;
}

/**
 * Creates a verify-only key set from another service's JWKS URL. Pass it as `keys` to
 * `createTokens` to verify that service's tokens (with the same issuer, audience, `typ`,
 * algorithm and `kid` checks as local keys); such tokens objects cannot sign, and
 * `createSessions` refuses them. A token naming a `kid` not in the cached document makes one
 * refetch, unless the last fetch was within `cooldownDuration`. A fetch that fails (outage,
 * timeout, non-200, redirect, not JSON, over `maxResponseBytes`) makes verification answer
 * `keys_unavailable`. Symmetric (`oct`) keys, keys carrying private members, keys without a
 * valid `kid` and keys for other algorithms are ignored.
 *
 * @throws MoatError ERR_CONFIG for a URL that is not https (http is allowed only on
 *   127.0.0.1, [::1] and localhost), carries credentials, or invalid options.
 * @example
 * ```ts
 * const idp = createRemoteKeySet("https://login.example.com/.well-known/jwks.json");
 * const idpTokens = createTokens({ keys: idp, issuer: "https://login.example.com", audience: "api" });
 * const result = await idpTokens.verify(bearer);
 * if (!result.ok) return res.status(401).json({ error: result.reason });
 * ```
 */
export function createRemoteKeySet(url: string | URL, options: RemoteKeySetOptions = {}): RemoteKeySet {
  const parsedUrl = checkUrl(url);
  const opts = parseOptions(optionsSchema, options, "createRemoteKeySet options");
  const algorithms = Object.freeze([...new Set(opts.algorithms ?? REMOTE_ALGORITHMS)]);
  const limit = opts.maxResponseBytes;

  // jose fetches with redirect "manual" and its own timeout signal; this wrapper bounds and
  // filters the body before jose parses it, so a huge or hostile document never reaches it.
  const boundedFetch = async (input: string, init: RequestInit): Promise<Response> => {
    const response = await fetch(input, init);
    if (response.status !== 200) {
      await response.body?.cancel();
      return response;
    }
    const filtered = filterJwks(await readBounded(response, limit));
    return new Response(JSON.stringify(filtered), { status: 200, headers: { "content-type": "application/json" } });
  };
  const jwks = createRemoteJWKSet(parsedUrl, {
    cacheMaxAge: opts.cacheMaxAge,
    cooldownDuration: opts.cooldownDuration,
    timeoutDuration: opts.timeoutMs,
    [customFetch]: boundedFetch,
  });

  const resolve = async (
    header: { readonly alg?: string | undefined; readonly kid?: unknown },
    _at: number,
    onKid?: (kid: string) => void,
  ): Promise<CryptoKey> => {
    // A token from another service must name its key: guessing among keys is how confusion starts.
    if (typeof header.kid !== "string" || !isKid(header.kid)) throw new KeyResolutionError("unknown_key");
    if (!algorithms.some((a) => a === header.alg)) throw new KeyResolutionError("invalid_signature");
    let key: CryptoKey;
    try {
      key = await jwks({ alg: header.alg, kid: header.kid } as JWTHeaderParameters);
    } catch (err) {
      if (err instanceof errors.JWKSNoMatchingKey || err instanceof errors.JWKSMultipleMatchingKeys) {
        throw new KeyResolutionError("unknown_key");
      }
      if (err instanceof errors.JOSENotSupported) throw new KeyResolutionError("invalid_signature");
      // Outage, timeout, non-200, redirect, refused or unparsable document, unimportable key.
      throw new KeyResolutionError("keys_unavailable");
    }
    onKid?.(header.kid);
    return key;
  };

  const internals: KeySetInternals = {
    algorithms,
    verifyOnly: true,
    signingCryptoKey(): Promise<CryptoKey> {
      throw new MoatError("ERR_CONFIG", { message: "a remote key set is verify-only and cannot sign" });
    },
    resolve,
  };

  const keySet: RemoteKeySet = Object.freeze({
    verifyOnly: true as const,
    url: parsedUrl.href,
    algorithms,
    async verifyJws(jws: string): Promise<JwsVerifyResult> {
      if (typeof jws !== "string") throw new MoatError("ERR_INVALID_INPUT", { message: "a JWS must be a string" });
      if (jws.length === 0 || jws.length > MAX_JWS_LENGTH) return { ok: false, reason: "malformed" };
      let kid = "";
      try {
        const { payload, protectedHeader } = await compactVerify(
          jws,
          (header) =>
            resolve(header, Date.now(), (k) => {
              kid = k;
            }),
          { algorithms: [...algorithms] },
        );
        return { ok: true, payload, header: { ...protectedHeader, alg: protectedHeader.alg }, kid };
      } catch (err) {
        return { ok: false, reason: remoteFailureReason(err) };
      }
    },
  });
  registerKeySetInternals(keySet, internals);
  return keySet;
}

function remoteFailureReason(err: unknown): JwsFailureReason {
  if (err instanceof KeyResolutionError) return err.reason;
  const reason = joseFailureReason(err);
  if (reason === undefined) throw err;
  return reason === "invalid_signature" ? reason : "malformed";
}
