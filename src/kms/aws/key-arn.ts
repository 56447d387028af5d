/**
 * Which AWS KMS key identifiers a provider may be pinned to. A key ARN names one key for good:
 * its region, account and key id. An alias can be repointed by anyone allowed to call
 * `kms:UpdateAlias`, after which new data keys would be wrapped under a different key (and,
 * because moatkit pins `KeyId` on Decrypt, the old ones stop unwrapping), so aliases are only
 * accepted when the caller opts in.
 */

// Partitions: aws, aws-cn, aws-us-gov, aws-iso, aws-iso-b, aws-iso-e, aws-iso-f, aws-eusc.
const PARTITION = "aws(?:-[a-z]+)*";
const REGION = "[a-z]{2}(?:-[a-z]+)+-\\d";
const ACCOUNT = "\\d{12}";
const KEY_UUID = "[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}";
const MRK_ID = "mrk-[0-9a-f]{32}";
const ALIAS_NAME = "alias/[A-Za-z0-9/_-]{1,250}";

const KEY_ARN = new RegExp(`^arn:(${PARTITION}):kms:(${REGION}):(${ACCOUNT}):key/(${KEY_UUID}|${MRK_ID})$`);
const ALIAS_ARN = new RegExp(`^arn:${PARTITION}:kms:${REGION}:${ACCOUNT}:${ALIAS_NAME}$`);
const BARE_ALIAS = new RegExp(`^${ALIAS_NAME}$`);

/** A key ARN taken apart. */
export interface ParsedKeyArn {
  readonly partition: string;
  readonly region: string;
  readonly account: string;
  /** The key id: a UUID, or `mrk-…` for a multi-Region key. */
  readonly keyId: string;
  readonly multiRegion: boolean;
}

/** The parts of a key ARN, or `undefined` when `value` is not one. */
export function parseKeyArn(value: string): ParsedKeyArn | undefined {
  const match = KEY_ARN.exec(value);
  if (match === null) return undefined;
  const [, partition = "", region = "", account = "", keyId = ""] = match;
  return { partition, region, account, keyId, multiRegion: keyId.startsWith("mrk-") };
}

/** Whether `value` is an alias name (`alias/…`) or an alias ARN. AWS reserves `alias/aws/` for its own keys. */
export function isAlias(value: string): boolean {
  return (BARE_ALIAS.test(value) || ALIAS_ARN.test(value)) && !/(?:^|:)alias\/aws\//.test(value);
}
