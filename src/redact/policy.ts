/**
 * Per-organisation redaction with a per-API-key override, as the seed services run it: the org
 * toggles redaction and picks detectors; an API key may force it on or off for its own traffic.
 *
 * | org.enabled | apiKey.redaction      | effective | detectors                                   |
 * | ----------- | --------------------- | --------- | ------------------------------------------- |
 * | true        | absent or `"inherit"` | on        | org.detectors, else all four                 |
 * | false       | absent or `"inherit"` | off       | none                                        |
 * | any         | `"on"`                | on        | org.detectors, else all four                 |
 * | any         | `"off"`               | off       | none                                        |
 */
import { z } from "zod";
import { parseInput } from "../_internal/options.js";
import { BUILTIN_DETECTOR_TYPES, type BuiltinDetectorType } from "./types.js";

/**
 * A per-key override of the organisation's PII redaction setting, stored on each API key record
 * by `moatkit/apikeys` and read by {@link resolveRedactionPolicy}: `"inherit"` follows the
 * organisation, `"on"` and `"off"` force it for this key. Defined here, once; `moatkit/apikeys`
 * re-exports it.
 *
 * @example
 * ```ts
 * const redaction: ApiKeyRedaction = "off"; // this key's traffic is never redacted
 * ```
 */
export type ApiKeyRedaction = "inherit" | "on" | "off";

/** The part of an API-key record the policy reads (moatkit/apikeys records fit structurally). */
export interface ApiKeyRedactionSetting {
  /** `"inherit"` (or absent): follow the org; `"on"`/`"off"`: override it for this key. */
  readonly redaction?: ApiKeyRedaction | undefined;
}

/** Input to {@link resolveRedactionPolicy}. */
export interface RedactionPolicyInput {
  /** The organisation's setting. */
  readonly org: {
    /** Whether the org redacts PII at all. */
    readonly enabled: boolean;
    /** Which detectors (default: all four built-ins). */
    readonly detectors?: readonly BuiltinDetectorType[];
  };
  /** The calling API key, if the request came with one (any object with `redaction`). */
  readonly apiKey?: ApiKeyRedactionSetting | null | undefined;
}

/** The effective policy for one request. */
export interface RedactionPolicy {
  /** Whether to redact. */
  readonly enabled: boolean;
  /** The detectors to run (empty when disabled). */
  readonly detectors: readonly BuiltinDetectorType[];
  /** Who decided: the org toggle, or the API key's override. */
  readonly decidedBy: "org" | "api_key";
}

const detectorName = z.enum(["email", "ssn", "phone", "credit_card"]);

const inputSchema = z.strictObject({
  org: z.strictObject({ enabled: z.boolean(), detectors: z.array(detectorName).optional() }),
  // The API key is usually the verified key record itself, with all its other fields: only
  // `redaction` is read, so the rest is let through rather than refused.
  apiKey: z
    .object({ redaction: z.enum(["inherit", "on", "off"]).optional() })
    .loose()
    .nullable()
    .optional(),
});

/**
 * The effective redaction policy: the API key's override wins over the org toggle (see the table
 * in this module's docs).
 *
 * @example
 * ```ts
 * const policy = resolveRedactionPolicy({ org: { enabled: true }, apiKey: { redaction: "off" } });
 * policy.enabled; // false (the key opted out)
 * ```
 */
export function resolveRedactionPolicy(input: RedactionPolicyInput): RedactionPolicy {
  const { org, apiKey } = parseInput(inputSchema, input, "redaction policy input");
  const detectors = Object.freeze([...new Set(org.detectors ?? BUILTIN_DETECTOR_TYPES)]);
  const override = apiKey?.redaction ?? "inherit";
  if (override === "inherit") {
    return Object.freeze({
      enabled: org.enabled,
      detectors: org.enabled ? detectors : Object.freeze([]),
      decidedBy: "org",
    });
  }
  const enabled = override === "on";
  return Object.freeze({ enabled, detectors: enabled ? detectors : Object.freeze([]), decidedBy: "api_key" });
}
