/**
 * The options of `createAwsKmsProvider`, read once: an unknown key, a client without `send`, a
 * key identifier that is not a key ARN (or an alias without the opt-in), and replicas that are
 * not the same multi-Region key in other Regions are ERR_CONFIG. No message echoes a value.
 */
import type { KMSClient } from "@aws-sdk/client-kms";
import { z } from "zod";
import { parseOptions } from "../../_internal/options.js";
import { MoatError } from "../../errors.js";
import { isAlias, parseKeyArn, type ParsedKeyArn } from "./key-arn.js";

/**
 * The part of a `KMSClient` the provider uses. Pass the client itself: it carries the Region,
 * credentials, endpoint and retry settings (see docs/kms-aws.md for `maxAttempts`).
 */
export type AwsKmsClient = Pick<KMSClient, "send">;

/** A replica of a multi-Region key, tried for Decrypt when the primary Region fails. */
export interface AwsKmsReplica {
  /** A `KMSClient` configured for the replica's Region. */
  readonly client: AwsKmsClient;
  /** The replica's key ARN: the same `mrk-…` key id and account as the primary, another Region. */
  readonly keyId: string;
}

/** Options of {@link createAwsKmsProvider}. */
export interface AwsKmsProviderOptions {
  /** A `KMSClient` for the key's Region. */
  readonly client: AwsKmsClient;
  /**
   * The key ARN, `arn:aws:kms:<region>:<account>:key/<key-id>` (a multi-Region key's id starts
   * with `mrk-`). An alias (`alias/name` or its ARN) only with `allowAlias: true`.
   */
  readonly keyId: string;
  /**
   * Accepts an alias as `keyId`. Off by default: whoever may call `kms:UpdateAlias` can point the
   * alias at another key, and moatkit would then wrap new data keys under that key while the
   * existing ones stop unwrapping (Decrypt is pinned to the alias's current target).
   */
  readonly allowAlias?: boolean;
  /**
   * Replicas of a multi-Region `keyId` in other Regions, tried in order for Decrypt when the
   * primary answers "unavailable" or "throttled". Encrypt and GenerateDataKey use the primary only.
   */
  readonly replicas?: readonly AwsKmsReplica[];
}

/** Where a Decrypt may be sent: a client and the key it is pinned to there. */
export interface AwsKmsTarget {
  readonly client: AwsKmsClient;
  readonly keyId: string;
  /** Whether `keyId` is an alias (the service then answers with the target key's ARN). */
  readonly alias: boolean;
}

/** The options after checking. */
export interface AwsKmsSettings {
  readonly primary: AwsKmsTarget;
  readonly replicas: readonly AwsKmsTarget[];
}

const WHAT = "createAwsKmsProvider options";

const clientSchema = z.custom<AwsKmsClient>(
  (value) => typeof value === "object" && value !== null && typeof Reflect.get(value, "send") === "function",
  "a KMSClient (an object with a send method)",
);
const keyIdSchema = z.string().min(1).max(2048);

const schema = z.strictObject({
  client: clientSchema,
  keyId: keyIdSchema,
  allowAlias: z.boolean().optional(),
  replicas: z
    .array(z.strictObject({ client: clientSchema, keyId: keyIdSchema }))
    .min(1)
    .max(8)
    .optional(),
});

function configError(message: string): MoatError {
  return new MoatError("ERR_CONFIG", { message: `${WHAT}: ${message}` });
}

function checkReplica(primary: ParsedKeyArn, replica: string, index: number, regions: Set<string>): void {
  const parsed = parseKeyArn(replica);
  const where = `replicas.${String(index)}.keyId`;
  if (parsed === undefined) throw configError(`${where} must be a key ARN`);
  if (parsed.keyId !== primary.keyId || parsed.account !== primary.account || parsed.partition !== primary.partition)
    throw configError(`${where} must name the same multi-Region key (key id, account, partition) as keyId`);
  if (regions.has(parsed.region)) throw configError(`${where} must be in a Region of its own`);
  regions.add(parsed.region);
}

/** Checks `input` and returns the targets the provider calls. */
export function readAwsKmsOptions(input: AwsKmsProviderOptions): AwsKmsSettings {
  const options = parseOptions(schema, input, WHAT);
  const arn = parseKeyArn(options.keyId);
  const alias = arn === undefined && isAlias(options.keyId);
  if (arn === undefined && !alias)
    throw configError(
      "keyId must be a key ARN (arn:aws:kms:<region>:<account>:key/<key-id>) or, with allowAlias, an alias",
    );
  if (alias && options.allowAlias !== true)
    throw configError(
      "keyId is an alias, which can be repointed to another key; pass its key ARN, or set allowAlias: true",
    );
  const replicas = options.replicas ?? [];
  if (replicas.length > 0) {
    if (arn === undefined || !arn.multiRegion)
      throw configError("replicas need keyId to be the ARN of a multi-Region key (key/mrk-…)");
    const regions = new Set([arn.region]);
    replicas.forEach((replica, index) => {
      checkReplica(arn, replica.keyId, index, regions);
    });
  }
  return {
    primary: { client: options.client, keyId: options.keyId, alias },
    replicas: replicas.map((replica) => ({ client: replica.client, keyId: replica.keyId, alias: false })),
  };
}
