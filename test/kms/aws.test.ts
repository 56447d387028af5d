/**
 * moatkit/kms/aws against the AWS KMS emulator through the real `@aws-sdk/client-kms`: the
 * provider contract, then what is particular to AWS — the encryption context it sends, the ARN
 * pin, aliases, transparent backing-key rotation, multi-Region failover and the error mapping.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { KeyProviderError, type KeyProvider } from "../../src/crypto/key-provider.js";
import { AWS_KMS_CONTEXT_KEYS, createAwsKmsProvider, type AwsKmsClient } from "../../src/kms/aws/index.js";
import { AwsKmsEmulator, type AwsFault } from "./emulators/aws-kms.js";
import { clientFor, singleRegion } from "./aws-setup.js";
import { context, describeKeyProvider } from "./provider-suite.js";

describeKeyProvider("aws-kms", singleRegion, { hasGenerate: true });

const call = (): { signal: AbortSignal } => ({ signal: AbortSignal.timeout(5000) });

async function failure(promise: Promise<unknown>): Promise<KeyProviderError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(KeyProviderError);
  return error as KeyProviderError;
}

describe("aws-kms: what it sends", () => {
  let kms: AwsKmsEmulator;
  let arn: string;
  let provider: KeyProvider;
  beforeAll(async () => {
    ({ kms, arn, provider } = await singleRegion());
  });
  afterAll(() => kms.close());

  it("sends every field of the wrap context as encryption context, under moatkit: keys", async () => {
    await provider.wrap(randomBytes(32), context(), call());
    expect(kms.lastContext).toEqual({
      [AWS_KMS_CONTEXT_KEYS.purpose]: "moatkit/v1 data-key",
      [AWS_KMS_CONTEXT_KEYS.keyId]: "kms1",
      [AWS_KMS_CONTEXT_KEYS.mode]: "stored",
      [AWS_KMS_CONTEXT_KEYS.dataKeyId]: "AAECAwQFBgc",
      [AWS_KMS_CONTEXT_KEYS.scope]: "tenant-a",
    });
  });

  it("leaves out the empty data key id and scope of an embedded wrap, and still binds the mode", async () => {
    const embedded = context({ mode: "embedded", dataKeyId: "", scope: "" });
    const wrapped = await provider.wrap(randomBytes(32), embedded, call());
    expect(kms.lastContext).toEqual({
      "moatkit:purpose": "moatkit/v1 data-key",
      "moatkit:key-id": "kms1",
      "moatkit:mode": "embedded",
    });
    expect(await provider.unwrap(wrapped, embedded, call())).toBeInstanceOf(Uint8Array);
    expect(
      await provider.unwrap(wrapped, context({ mode: "stored", dataKeyId: "", scope: "" }), call()),
    ).toBeUndefined();
  });

  it("signs its requests (the emulator requires the SigV4 headers, without checking the signature)", async () => {
    await provider.wrap(randomBytes(32), context(), call());
    expect(kms.lastHeaderNames).toEqual(expect.arrayContaining(["authorization", "x-amz-date", "x-amz-target"]));
  });

  it("refuses a ciphertext made under another key of the same account: Decrypt is pinned to the ARN", async () => {
    const otherArn = kms.createKey();
    const other = createAwsKmsProvider({ client: clientFor(kms), keyId: otherArn });
    const foreign = await other.wrap(randomBytes(32), context(), call());
    const before = kms.calls()["Decrypt"] ?? 0;
    expect(await provider.unwrap(foreign, context(), call())).toBeUndefined();
    expect(kms.calls()["Decrypt"]).toBe(before + 1);
    // The same ciphertext opens under its own key: the refusal was the pin, not a broken blob.
    expect(await other.unwrap(foreign, context(), call())).toBeInstanceOf(Uint8Array);
  });

  it("does not send an empty or oversized ciphertext to KMS", async () => {
    const before = kms.calls()["Decrypt"] ?? 0;
    expect(await provider.unwrap(new Uint8Array(0), context(), call())).toBeUndefined();
    expect(await provider.unwrap(new Uint8Array(2049), context(), call())).toBeUndefined();
    expect(kms.calls()["Decrypt"] ?? 0).toBe(before);
  });

  it("keeps old data keys readable across a backing-key rotation, wrapping new ones under the new backing key", async () => {
    const key = randomBytes(32);
    const old = await provider.wrap(key, context(), call());
    const before = kms.lastVersionUsed();
    const rotated = kms.rotateKey(arn);
    const fresh = await provider.wrap(key, context(), call());
    expect(kms.lastVersionUsed()).toBe(rotated);
    expect(rotated).not.toBe(before);
    for (const wrapped of [old, fresh])
      expect(Buffer.from((await provider.unwrap(wrapped, context(), call())) ?? []).equals(key)).toBe(true);
  });

  it("fails closed on a key pending deletion", async () => {
    const doomedArn = kms.createKey();
    const doomed = createAwsKmsProvider({ client: clientFor(kms), keyId: doomedArn });
    const wrapped = await doomed.wrap(randomBytes(32), context(), call());
    kms.setKeyState(doomedArn, "PendingDeletion");
    expect((await failure(doomed.unwrap(wrapped, context(), call()))).failure).toBe("key_disabled");
    expect((await failure(doomed.generate?.(context(), call()) ?? Promise.resolve())).failure).toBe("key_disabled");
  });

  it("gives up at once on an already aborted signal, without a request", async () => {
    const before = kms.calls()["Encrypt"] ?? 0;
    const error = await failure(provider.wrap(randomBytes(32), context(), { signal: AbortSignal.abort() }));
    expect(error.failure).toBe("timeout");
    expect(kms.calls()["Encrypt"] ?? 0).toBe(before);
  });

  it("refuses an answer for another key than the one it asked for", async () => {
    const real = clientFor(kms);
    const otherArn = kms.createKey();
    // The real client and emulator answer; only the KeyId of the answer is swapped, as a
    // misrouted or compromised endpoint might.
    const lying = {
      send: async (command: Parameters<typeof real.send>[0], options?: Parameters<typeof real.send>[1]) => {
        const answer: object = await real.send(command, options);
        return { ...answer, KeyId: otherArn };
      },
    };
    const lied = createAwsKmsProvider({ client: lying as unknown as AwsKmsClient, keyId: arn });
    const error = await failure(lied.wrap(randomBytes(32), context(), call()));
    expect(error.failure).toBe("invalid_response");
    expect(error.retryable).toBe(false);
  });
});

describe("aws-kms: AWS errors in moatkit's terms", () => {
  let kms: AwsKmsEmulator;
  let provider: KeyProvider;
  let wrapped: Uint8Array;
  const key = randomBytes(32);
  beforeAll(async () => {
    ({ kms, provider } = await singleRegion());
    wrapped = await provider.wrap(key, context(), call());
  });
  afterAll(() => kms.close());

  const table: readonly [AwsFault | "reset", string, boolean][] = [
    [{ status: 400, type: "ThrottlingException" }, "throttled", true],
    [{ status: 400, type: "LimitExceededException" }, "throttled", true],
    [{ status: 500, type: "KMSInternalException" }, "unavailable", true],
    [{ status: 503, type: "DependencyTimeoutException" }, "unavailable", true],
    [{ status: 502, type: "BadGateway" }, "unavailable", true],
    ["reset", "unavailable", true],
    [{ status: 400, type: "AccessDeniedException" }, "denied", false],
    [{ status: 400, type: "UnrecognizedClientException" }, "denied", false],
    [{ status: 403, type: "SomethingNew" }, "denied", false],
    [{ status: 400, type: "DisabledException" }, "key_disabled", false],
    [{ status: 400, type: "KMSInvalidStateException" }, "key_disabled", false],
    [{ status: 500, type: "KeyUnavailableException" }, "key_disabled", false],
    [{ status: 400, type: "NotFoundException" }, "not_found", false],
    [{ status: 400, type: "ValidationException" }, "invalid_response", false],
  ];
  for (const [fault, expected, retryable] of table) {
    const name = fault === "reset" ? "a dropped connection" : `${fault.type} (${String(fault.status)})`;
    it(`maps ${name} to "${expected}", with nothing secret in the message`, async () => {
      kms.failWith(fault, 1);
      const error = await failure(provider.unwrap(wrapped, context(), call()));
      expect(error.failure).toBe(expected);
      expect(error.retryable).toBe(retryable);
      for (const secret of [key.toString("base64"), key.toString("hex"), Buffer.from(wrapped).toString("base64")]) {
        expect(error.message).not.toContain(secret);
        expect((error.cause as Error | undefined)?.message ?? "").not.toContain(secret);
      }
      expect(error.message).not.toContain("moatkit-test-secret-not-real");
    });
  }

  it('reports an unreachable endpoint as "unavailable"', async () => {
    const gone = await AwsKmsEmulator.start("us-east-1");
    const arn = gone.createKey();
    const client = clientFor(gone);
    await gone.close();
    const orphan = createAwsKmsProvider({ client, keyId: arn });
    expect((await failure(orphan.wrap(randomBytes(32), context(), call()))).failure).toBe("unavailable");
  });
});
