/**
 * moatkit/kms/aws against a real AWS KMS key, when one is configured: set
 * MOATKIT_AWS_KMS_KEY_ARN to a symmetric key's ARN and give the SDK credentials through its
 * default chain (environment, profile, role) with kms:Encrypt, kms:Decrypt and
 * kms:GenerateDataKey on it (docs/kms-aws.md has the policy). No cloud account is reachable from
 * CI, so there it is skipped with that reason; the emulator tests cover the same paths and the
 * failures a real key cannot be made to produce on demand.
 */
import { randomBytes } from "node:crypto";
import { KMSClient } from "@aws-sdk/client-kms";
import { describe, expect, it } from "vitest";
import { createAwsKmsProvider } from "../../src/kms/aws/index.js";
import { context } from "./provider-suite.js";

const keyArn = process.env.MOATKIT_AWS_KMS_KEY_ARN ?? "";
const call = (): { signal: AbortSignal } => ({ signal: AbortSignal.timeout(15_000) });

describe("aws-kms against a real AWS KMS key", () => {
  if (keyArn === "") {
    it.skip("skipped: MOATKIT_AWS_KMS_KEY_ARN is not set (no AWS account is reachable here)", () => {});
    return;
  }
  const region = keyArn.split(":")[3] ?? "";
  const provider = createAwsKmsProvider({ client: new KMSClient({ region, maxAttempts: 1 }), keyId: keyArn });

  it("wraps, unwraps and generates under the key, bound to the context", async () => {
    const key = randomBytes(32);
    const wrapped = await provider.wrap(key, context(), call());
    expect(Buffer.from((await provider.unwrap(wrapped, context(), call())) ?? []).equals(key)).toBe(true);
    expect(await provider.unwrap(wrapped, context({ scope: "tenant-b" }), call())).toBeUndefined();
    const generated = await provider.generate?.(context(), call());
    expect(generated?.dataKey.length).toBe(32);
    const tampered = Uint8Array.from(generated?.wrapped ?? []);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    expect(await provider.unwrap(tampered, context(), call())).toBeUndefined();
  });
});
