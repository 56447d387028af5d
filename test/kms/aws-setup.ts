/**
 * Shared set-up for the AWS KMS tests: the real `KMSClient` pointed at the emulator with static
 * test credentials and the SDK's own retries off (`maxAttempts: 1`), so every failure the
 * emulator injects reaches moatkit as it happened.
 */
import { KMSClient } from "@aws-sdk/client-kms";
import { createAwsKmsProvider } from "../../src/kms/aws/index.js";
import type { AwsKmsProviderOptions } from "../../src/kms/aws/index.js";
import { AwsKmsEmulator } from "./emulators/aws-kms.js";
import type { KeyProvider } from "../../src/crypto/key-provider.js";
import { context, type ProviderUnderTest } from "./provider-suite.js";

export function clientFor(emulator: { region: string; endpoint: string }): KMSClient {
  return new KMSClient({
    region: emulator.region,
    endpoint: emulator.endpoint,
    credentials: { accessKeyId: "AKIDMOATKITTEST", secretAccessKey: "moatkit-test-secret-not-real" },
    maxAttempts: 1,
  });
}

/**
 * One round trip before the tests start: a client's first call loads and sets up parts of the
 * SDK, which on a loaded machine can take longer than a short test deadline. The emulator's
 * call counts are read as differences, and lastVersionUsed is the same either way.
 */
async function warmUp(provider: KeyProvider): Promise<void> {
  const signal = AbortSignal.timeout(30_000);
  const wrapped = await provider.wrap(new Uint8Array(32), context({ scope: "warm-up" }), { signal });
  await provider.unwrap(wrapped, context({ scope: "warm-up" }), { signal });
}

/** A single-Region key: the provider pinned to its ARN. */
export async function singleRegion(): Promise<ProviderUnderTest & { arn: string; kms: AwsKmsEmulator }> {
  const kms = await AwsKmsEmulator.start("us-east-1");
  const arn = kms.createKey();
  const provider = createAwsKmsProvider({ client: clientFor(kms), keyId: arn });
  await warmUp(provider);
  return { provider, emulator: kms.controlsFor(arn), pinnedVersion: kms.currentVersion(arn), arn, kms };
}

/** A multi-Region key in two emulated Regions, the provider reading through the replica when needed. */
export async function twoRegions(
  extra: Partial<AwsKmsProviderOptions> = {},
): Promise<ProviderUnderTest & { primary: AwsKmsEmulator; replica: AwsKmsEmulator; arn: string; replicaArn: string }> {
  const primary = await AwsKmsEmulator.start("us-east-1");
  const replica = await AwsKmsEmulator.start("eu-west-1");
  const arn = primary.createKey({ multiRegion: true });
  const replicaArn = primary.replicateKey(arn, replica);
  const replicaClient = clientFor(replica);
  const provider = createAwsKmsProvider({
    client: clientFor(primary),
    keyId: arn,
    replicas: [{ client: replicaClient, keyId: replicaArn }],
    ...extra,
  });
  await warmUp(provider);
  // The replica's client too: its first call is the failover, where a slow start would hurt most.
  await createAwsKmsProvider({ client: replicaClient, keyId: replicaArn }).wrap(new Uint8Array(32), context(), {
    signal: AbortSignal.timeout(30_000),
  });
  const controls = primary.controlsFor(arn);
  return {
    provider,
    // To the contract, the service is both Regions: an outage or latency there hits both
    // (a failure of the primary alone is what the failover tests inject).
    emulator: {
      ...controls,
      setLatency: (ms) => {
        primary.setLatency(ms);
        replica.setLatency(ms);
      },
      fail: (mode, calls) => {
        primary.fail(mode, calls);
        replica.fail(mode, calls);
      },
      close: async () => {
        await Promise.all([primary.close(), replica.close()]);
      },
    },
    pinnedVersion: primary.currentVersion(arn),
    primary,
    replica,
    arn,
    replicaArn,
  };
}
