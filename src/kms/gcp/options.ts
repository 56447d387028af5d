/**
 * The provider's options and inputs, checked at the edge: the pinned key version's resource
 * name, the client, the per-call timeout; and the wrap context, encoded as the additional
 * authenticated data Cloud KMS binds each ciphertext to.
 */
import { z } from "zod";
import { canonicalJson } from "../../_internal/canonical-json.js";
import { type Duration, durationSchema } from "../../_internal/duration.js";
import { utf8Encode } from "../../_internal/encoding.js";
import { parseInput, parseOptions } from "../../_internal/options.js";
import type { WrapContext } from "../../crypto/key-provider.js";
import { MoatError } from "../../errors.js";
import type { GcpKmsClientLike } from "./client.js";

/** Options for {@link createGcpKmsProvider}. */
export interface GcpKmsProviderOptions {
  /** A `KeyManagementServiceClient` from `@google-cloud/kms`, with your credentials and transport. */
  readonly client: GcpKmsClientLike;
  /**
   * The CryptoKeyVersion that wraps, as Cloud KMS writes it:
   * `projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N`. A CryptoKey name is
   * refused: it means "the primary version", which a rotation at the service changes under you.
   */
  readonly keyVersionName: string;
  /**
   * The deadline of each call, passed to the client as its `timeout` (a gRPC deadline). The
   * envelope's own deadline still applies through the call's abort signal. Default `"10s"`.
   */
  readonly callTimeout?: Duration;
}

// Segment ids: key ring and key ids are [A-Za-z0-9_-]{1,63}; projects may be ids, numbers or
// domain-scoped (`example.com:project`); locations are lower-case words with hyphens.
const SEGMENT = "[A-Za-z0-9][A-Za-z0-9_.:-]{0,99}";
const CRYPTO_KEY = `projects/${SEGMENT}/locations/${SEGMENT}/keyRings/${SEGMENT}/cryptoKeys/${SEGMENT}`;
const CRYPTO_KEY_RE = new RegExp(`^${CRYPTO_KEY}$`);
const KEY_VERSION_RE = new RegExp(`^(${CRYPTO_KEY})/cryptoKeyVersions/[1-9][0-9]{0,15}$`);
const MAX_CALL_TIMEOUT_MS = 600_000;

function isClient(value: unknown): value is GcpKmsClientLike {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof Reflect.get(value, "encrypt") === "function" &&
    typeof Reflect.get(value, "decrypt") === "function"
  );
}

const optionsSchema = z.strictObject({
  client: z.custom<GcpKmsClientLike>(isClient, "a KeyManagementServiceClient from @google-cloud/kms"),
  keyVersionName: z
    .string()
    .max(1000)
    .regex(
      KEY_VERSION_RE,
      "a CryptoKeyVersion name: projects/P/locations/L/keyRings/R/cryptoKeys/K/cryptoKeyVersions/N",
    ),
  callTimeout: durationSchema.refine((ms) => ms <= MAX_CALL_TIMEOUT_MS, "at most 10 minutes").default(10_000),
});

/** The options once checked. */
export interface ParsedGcpOptions {
  readonly client: GcpKmsClientLike;
  readonly keyVersionName: string;
  /** The CryptoKey the version belongs to: what `decrypt` is sent to. */
  readonly cryptoKeyName: string;
  readonly callTimeoutMs: number;
}

const WHAT = "createGcpKmsProvider options";

/** Checks the factory's options; ERR_CONFIG naming the problem, never echoing a value. */
export function parseGcpOptions(options: GcpKmsProviderOptions): ParsedGcpOptions {
  // The mistake worth a sentence of its own: the CryptoKey's name without a version is valid for
  // Cloud KMS (it encrypts with the primary), and exactly what "never latest" forbids.
  // Untyped callers may pass anything: read the field without trusting the declared type.
  const raw: unknown = options;
  const name: unknown = typeof raw === "object" && raw !== null ? Reflect.get(raw, "keyVersionName") : "";
  if (typeof name === "string" && CRYPTO_KEY_RE.test(name)) {
    throw new MoatError("ERR_CONFIG", {
      message:
        `${WHAT}: keyVersionName names a CryptoKey, which means its primary version (rotation changes it); ` +
        "pin a version: …/cryptoKeys/K/cryptoKeyVersions/N",
    });
  }
  const parsed = parseOptions(optionsSchema, options, WHAT);
  const cryptoKeyName = KEY_VERSION_RE.exec(parsed.keyVersionName)?.[1];
  // Unreachable after the regex passed; kept so the types need no cast.
  if (cryptoKeyName === undefined) throw new MoatError("ERR_CONFIG", { message: `invalid ${WHAT}` });
  return {
    client: parsed.client,
    keyVersionName: parsed.keyVersionName,
    cryptoKeyName,
    callTimeoutMs: parsed.callTimeout,
  };
}

const contextString = z.string().max(4096);
const contextSchema = z.strictObject({
  keyId: contextString,
  mode: z.enum(["stored", "embedded"]),
  dataKeyId: contextString,
  scope: contextString,
  purpose: contextString,
});

/** Cloud KMS accepts at most 64 KiB of additional authenticated data. */
const MAX_AAD_BYTES = 65_536;

/**
 * The additional authenticated data for a wrap context: the RFC 8785 canonical JSON of all five
 * fields. JSON quotes every string, so no two contexts share an encoding (`{scope:"a",keyId:"b,c"}`
 * cannot collide with `{scope:"a,b",keyId:"c"}` as a joined string could), and the names keep
 * the bytes readable when an operator compares them with what the envelope logged.
 */
export function encodeWrapContext(context: WrapContext): Uint8Array {
  const checked = parseInput(contextSchema, context, "gcp-kms wrap context");
  const aad = utf8Encode(
    canonicalJson({
      dataKeyId: checked.dataKeyId,
      keyId: checked.keyId,
      mode: checked.mode,
      purpose: checked.purpose,
      scope: checked.scope,
    }),
  );
  if (aad.length > MAX_AAD_BYTES)
    throw new MoatError("ERR_INVALID_INPUT", { message: "gcp-kms wrap context: longer than Cloud KMS accepts" });
  return aad;
}

/** The call's abort signal; ERR_INVALID_INPUT when the options do not carry one. */
export function signalOf(options: unknown): AbortSignal {
  const signal: unknown = typeof options === "object" && options !== null ? Reflect.get(options, "signal") : undefined;
  if (!(signal instanceof AbortSignal))
    throw new MoatError("ERR_INVALID_INPUT", { message: "gcp-kms call options: signal must be an AbortSignal" });
  return signal;
}
