/**
 * AWS KMS as a key provider for moatkit's envelope encryption: data keys are wrapped and
 * unwrapped by a KMS symmetric key that never leaves AWS, bound to their scope, id and purpose by
 * the encryption context. `@aws-sdk/client-kms` is an optional peer: pass your own `KMSClient`.
 * See docs/kms-aws.md for the IAM policy, aliases, multi-Region keys and retries.
 *
 * @example
 * ```ts
 * import { KMSClient } from "@aws-sdk/client-kms";
 * import { createAwsKmsProvider } from "moatkit/kms/aws";
 *
 * const provider = createAwsKmsProvider({
 *   client: new KMSClient({ region: "eu-west-1", maxAttempts: 1 }),
 *   keyId: "arn:aws:kms:eu-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
 * });
 * ```
 *
 * @module
 */
export { createAwsKmsProvider, AWS_KMS_CONTEXT_KEYS } from "./provider.js";
export type { AwsKmsClient, AwsKmsProviderOptions, AwsKmsReplica } from "./options.js";
