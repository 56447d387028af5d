/**
 * Multi-Region keys and aliases with moatkit/kms/aws, against two emulated Regions through the
 * real `KMSClient`: Decrypt falls back to a replica when the primary Region is down or
 * throttling, never when the primary gave an answer; an alias is usable only by opting in, and
 * repointing it shows why that is opt-in.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { KeyProviderError, type KeyProvider } from "../../src/crypto/key-provider.js";
import { createAwsKmsProvider } from "../../src/kms/aws/index.js";
import { AwsKmsEmulator } from "./emulators/aws-kms.js";
import { clientFor, twoRegions } from "./aws-setup.js";
import { context, describeKeyProvider } from "./provider-suite.js";

describeKeyProvider("aws-kms (multi-Region key with a replica)", () => twoRegions(), { hasGenerate: true });

const call = (): { signal: AbortSignal } => ({ signal: AbortSignal.timeout(5000) });

async function failure(promise: Promise<unknown>): Promise<KeyProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeyProviderError);
  return error as KeyProviderError;
}

describe("aws-kms multi-Region keys: Decrypt through a replica", () => {
  let regions: Awaited<ReturnType<typeof twoRegions>>;
  let provider: KeyProvider;
  const key = randomBytes(32);
  let wrapped: Uint8Array;
  beforeAll(async () => {
    regions = await twoRegions();
    provider = regions.provider;
    wrapped = await provider.wrap(key, context(), call());
  });
  afterAll(() => regions.emulator.close());
  const decrypts = (): [number, number] => [
    regions.primary.calls()["Decrypt"] ?? 0,
    regions.replica.calls()["Decrypt"] ?? 0,
  ];
  let before: [number, number];
  beforeEach(() => {
    before = decrypts();
  });
  const delta = (): [number, number] => {
    const now = decrypts();
    return [now[0] - before[0], now[1] - before[1]];
  };

  it("asks only the primary Region while it answers", async () => {
    expect(Buffer.from((await provider.unwrap(wrapped, context(), call())) ?? []).equals(key)).toBe(true);
    expect(delta()).toEqual([1, 0]);
  });

  for (const mode of ["outage", "throttle"] as const) {
    it(`unwraps through the replica Region during a primary ${mode}`, async () => {
      regions.primary.fail(mode, 1);
      expect(Buffer.from((await provider.unwrap(wrapped, context(), call())) ?? []).equals(key)).toBe(true);
      expect(delta()).toEqual([1, 1]);
    });
  }

  it("unwraps through the replica when the primary Region cannot be reached at all", async () => {
    regions.primary.failWith("reset", 1);
    expect(Buffer.from((await provider.unwrap(wrapped, context(), call())) ?? []).equals(key)).toBe(true);
  });

  it("still enforces the context in the replica Region", async () => {
    regions.primary.fail("outage", 1);
    expect(await provider.unwrap(wrapped, context({ scope: "tenant-b" }), call())).toBeUndefined();
    expect(delta()).toEqual([1, 1]);
  });

  it("reads through the replica a data key wrapped after the key was rotated (backing keys are shared)", async () => {
    regions.primary.rotateKey(regions.arn);
    const fresh = await provider.wrap(key, context(), call());
    regions.primary.fail("outage", 1);
    expect(Buffer.from((await provider.unwrap(fresh, context(), call())) ?? []).equals(key)).toBe(true);
  });

  it("reports the primary's failure when every Region fails", async () => {
    regions.primary.fail("outage", 1);
    regions.replica.fail("throttle", 1);
    expect((await failure(provider.unwrap(wrapped, context(), call()))).failure).toBe("unavailable");
    expect(delta()).toEqual([1, 1]);
  });

  it("does not go to the replica when the primary refuses the ciphertext", async () => {
    const tampered = Uint8Array.from(wrapped);
    tampered[tampered.length - 1] = (tampered[tampered.length - 1] ?? 0) ^ 1;
    expect(await provider.unwrap(tampered, context(), call())).toBeUndefined();
    expect(delta()).toEqual([1, 0]);
  });

  it("does not work around a key disabled in the primary Region through its replica", async () => {
    regions.primary.setKeyState(regions.arn, "Disabled");
    try {
      expect((await failure(provider.unwrap(wrapped, context(), call()))).failure).toBe("key_disabled");
      expect(delta()).toEqual([1, 0]);
    } finally {
      regions.primary.setKeyState(regions.arn, "Enabled");
    }
  });

  it("does not go to the replica once the signal is aborted", async () => {
    regions.primary.setLatency(600_000);
    try {
      const error = await failure(provider.unwrap(wrapped, context(), { signal: AbortSignal.timeout(50) }));
      expect(error.failure).toBe("timeout");
      expect(delta()[1]).toBe(0);
    } finally {
      regions.primary.setLatency(0);
    }
  });

  it("makes new data keys in the primary Region only", async () => {
    const encrypts = regions.replica.calls()["Encrypt"] ?? 0;
    regions.primary.fail("outage", 1);
    expect((await failure(provider.wrap(randomBytes(32), context(), call()))).failure).toBe("unavailable");
    expect(regions.replica.calls()["Encrypt"] ?? 0).toBe(encrypts);
  });

  it("refuses a replica's ciphertext of a different key even though it carries an mrk- id", async () => {
    const stranger = regions.primary.createKey({ multiRegion: true });
    const strangerProvider = createAwsKmsProvider({ client: clientFor(regions.primary), keyId: stranger });
    const foreign = await strangerProvider.wrap(randomBytes(32), context(), call());
    regions.primary.fail("outage", 1);
    expect(await provider.unwrap(foreign, context(), call())).toBeUndefined();
  });
});

describe("aws-kms aliases (opt-in)", () => {
  let kms: AwsKmsEmulator;
  let first: string;
  let provider: KeyProvider;
  beforeAll(async () => {
    kms = await AwsKmsEmulator.start("us-east-1");
    first = kms.createKey();
    kms.setAlias("alias/payments", first);
    provider = createAwsKmsProvider({ client: clientFor(kms), keyId: "alias/payments", allowAlias: true });
  });
  afterAll(() => kms.close());

  it("round-trips through an alias when allowAlias is set", async () => {
    const key = randomBytes(32);
    const wrapped = await provider.wrap(key, context(), call());
    expect(kms.lastVersionUsed()).toBe(kms.currentVersion(first));
    expect(Buffer.from((await provider.unwrap(wrapped, context(), call())) ?? []).equals(key)).toBe(true);
  });

  it("follows the alias when it is repointed: new data keys go to the new key and old ones stop unwrapping", async () => {
    const old = await provider.wrap(randomBytes(32), context(), call());
    const second = kms.createKey();
    kms.setAlias("alias/payments", second);
    await provider.wrap(randomBytes(32), context(), call());
    expect(kms.lastVersionUsed()).toBe(kms.currentVersion(second));
    // Decrypt is pinned to the alias's target now, so the old ciphertext is refused: this is the
    // reason aliases are opt-in and why docs/kms-aws.md says to pin the key ARN.
    expect(await provider.unwrap(old, context(), call())).toBeUndefined();
    const pinned = createAwsKmsProvider({ client: clientFor(kms), keyId: first });
    expect(await pinned.unwrap(old, context(), call())).toBeInstanceOf(Uint8Array);
  });
});
