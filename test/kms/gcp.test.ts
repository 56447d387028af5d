/**
 * moatkit/kms/gcp against the real `@google-cloud/kms` client (its HTTP/JSON transport) pointed
 * at the Cloud KMS emulator: the provider contract every provider passes, then what is
 * particular to Cloud KMS (pinned versions, CRC32C integrity fields, its status codes).
 */
import { randomBytes } from "node:crypto";
import { KeyManagementServiceClient } from "@google-cloud/kms";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { DATA_KEY_PURPOSE, KeyProviderError, type WrapContext } from "../../src/crypto/key-provider.js";
import { isMoatError } from "../../src/errors.js";
import { createGcpKmsProvider, type GcpKmsClientLike, type GcpKmsProvider } from "../../src/kms/gcp/index.js";
import { crc32c } from "../../src/kms/gcp/crc32c.js";
import { startGcpKmsEmulator, type GcpKmsEmulator, type GcpLie } from "./emulators/gcp-kms.js";
import { describeProviderEnvelope } from "./envelope-suite.js";
import { context, describeKeyProvider } from "./provider-suite.js";

const call = (): { signal: AbortSignal } => ({ signal: AbortSignal.timeout(5000) });

async function failure(promise: Promise<unknown>): Promise<KeyProviderError> {
  const error: unknown = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, "expected a KeyProviderError").toBeInstanceOf(KeyProviderError);
  return error as KeyProviderError;
}

async function moatCode(promise: Promise<unknown> | (() => unknown)): Promise<string | undefined> {
  try {
    await (typeof promise === "function" ? promise() : promise);
  } catch (error) {
    return isMoatError(error) ? error.code : `not a MoatError: ${String(error)}`;
  }
  return undefined;
}

describeKeyProvider(
  "gcp-kms",
  async () => {
    const emulator = await startGcpKmsEmulator();
    const provider = createGcpKmsProvider({ client: emulator.client(), keyVersionName: emulator.firstVersionName });
    return { provider, emulator, pinnedVersion: emulator.firstVersionName };
  },
  { hasGenerate: false },
);

// Through createEnvelope: the provider as a keyring entry. Rotation moves to a second entry
// pinned to a new version of the same CryptoKey, the seed services' 90-day procedure.
describeProviderEnvelope("gcp-kms", async () => {
  const emulator = await startGcpKmsEmulator();
  const client = emulator.client();
  const provider = createGcpKmsProvider({ client, keyVersionName: emulator.firstVersionName });
  const next = createGcpKmsProvider({ client, keyVersionName: emulator.rotate() });
  return { provider, next, emulator, pinnedVersion: emulator.firstVersionName };
});

describe("crc32c", () => {
  it("matches the Castagnoli check value and the RFC 3720 (iSCSI) vectors", () => {
    expect(crc32c(new TextEncoder().encode("123456789"))).toBe(0xe3069283);
    expect(crc32c(new Uint8Array(32))).toBe(0x8a9136aa);
    expect(crc32c(new Uint8Array(32).fill(0xff))).toBe(0x62a8ab43);
    expect(crc32c(Uint8Array.from({ length: 32 }, (_, i) => i))).toBe(0x46dd794e);
    expect(crc32c(new Uint8Array(0))).toBe(0);
  });
});

describe("gcp-kms provider", () => {
  let emulator: GcpKmsEmulator;
  let provider: GcpKmsProvider;
  beforeAll(async () => {
    emulator = await startGcpKmsEmulator({ keyIds: ["fields", "other"] });
    provider = createGcpKmsProvider({ client: emulator.client(), keyVersionName: emulator.firstVersionName });
  });
  afterAll(async () => {
    await emulator.close();
  });

  it("takes the real KeyManagementServiceClient as its client type", () => {
    // A compile-time check as much as a run-time one: the SDK's overloaded methods fit GcpKmsClientLike.
    const client: GcpKmsClientLike = emulator.client();
    expect(typeof client.encrypt).toBe("function");
    expect(provider.kind).toBe("gcp-kms");
    expect(provider.keyName).toBe(emulator.firstVersionName);
    expect(provider.cryptoKeyName).toBe(emulator.cryptoKeyName);
    expect(provider.generate).toBeUndefined();
  });

  it("encrypts with the pinned version's name and decrypts through the CryptoKey, with the context as AAD and CRC32Cs", async () => {
    const key = randomBytes(32);
    const wrapped = await provider.wrap(key, context(), call());
    const sent = emulator.lastRequest();
    expect(sent?.path).toBe(`/v1/${emulator.firstVersionName}:encrypt`);
    const aad = Buffer.from(String(sent?.body.additionalAuthenticatedData), "base64");
    expect(JSON.parse(aad.toString())).toEqual(context());
    expect(aad.toString()).toBe(
      `{"dataKeyId":"AAECAwQFBgc","keyId":"kms1","mode":"stored","purpose":"${DATA_KEY_PURPOSE}","scope":"tenant-a"}`,
    );
    expect(sent?.body.plaintextCrc32c).toBe(String(crc32c(key)));
    expect(sent?.body.additionalAuthenticatedDataCrc32c).toBe(String(crc32c(aad)));
    await provider.unwrap(wrapped, context(), call());
    const decrypt = emulator.lastRequest();
    expect(decrypt?.path).toBe(`/v1/${emulator.cryptoKeyName}:decrypt`);
    expect(decrypt?.body.ciphertextCrc32c).toBe(String(crc32c(wrapped)));
  });

  it("sends the bytes of a view, not its underlying buffer: a key and a wrap sliced out of larger buffers round-trip", async () => {
    // The SDK's REST encoder ignores byteOffset for a plain Uint8Array; found by the envelope,
    // which unwraps a key sliced out of a stateless token.
    const key = randomBytes(32);
    const keyView = new Uint8Array(64).subarray(16, 48);
    keyView.set(key);
    const wrapped = await provider.wrap(keyView, context(), call());
    const wrappedView = new Uint8Array(wrapped.length + 5).subarray(3, 3 + wrapped.length);
    wrappedView.set(wrapped);
    expect(Buffer.from((await provider.unwrap(wrappedView, context(), call())) ?? []).equals(key)).toBe(true);
    expect(Buffer.from(keyView).equals(key), "the caller's key is left as it was").toBe(true);
  });

  it("encodes contexts unambiguously: fields that would join to the same string do not unwrap for each other", async () => {
    const wrapped = await provider.wrap(randomBytes(32), context({ scope: "a|b", keyId: "c" }), call());
    expect(await provider.unwrap(wrapped, context({ scope: "a", keyId: "b|c" }), call())).toBeUndefined();
    expect(await provider.unwrap(wrapped, context({ scope: 'a","keyId":"b|c' }), call())).toBeUndefined();
  });

  it("does not unwrap a data key wrapped under another CryptoKey", async () => {
    const other = createGcpKmsProvider({
      client: emulator.client(),
      keyVersionName: `${emulator.cryptoKey("other")}/cryptoKeyVersions/1`,
    });
    const wrapped = await other.wrap(randomBytes(32), context(), call());
    expect(await provider.unwrap(wrapped, context(), call())).toBeUndefined();
  });

  it("passes callTimeout to the client as each call's deadline, with the SDK's retries off", async () => {
    const real = emulator.client();
    const seen: unknown[] = [];
    const watched: GcpKmsClientLike = {
      encrypt: (request, options) => {
        seen.push(options);
        return real.encrypt(request, options);
      },
      decrypt: (request, options) => {
        seen.push(options);
        return real.decrypt(request, options);
      },
    };
    const timed = createGcpKmsProvider({
      client: watched,
      keyVersionName: emulator.firstVersionName,
      callTimeout: "3s",
    });
    await timed.unwrap(await timed.wrap(randomBytes(32), context(), call()), context(), call());
    expect(seen).toMatchObject([
      { timeout: 3000, retry: null },
      { timeout: 3000, retry: null },
    ]);
    // The client writes its routing header into the options: each call must have its own.
    const routing = (options: unknown): unknown =>
      (options as { otherArgs?: { headers?: Record<string, string> } }).otherArgs?.headers?.["x-goog-request-params"];
    expect(routing(seen[0])).toBe(`name=${encodeURIComponent(emulator.firstVersionName)}`);
    expect(routing(seen[1])).toBe(`name=${encodeURIComponent(emulator.cryptoKeyName)}`);
    const byDefault = createGcpKmsProvider({ client: watched, keyVersionName: emulator.firstVersionName });
    await byDefault.wrap(randomBytes(32), context(), call());
    expect(seen[2]).toMatchObject({ timeout: 10_000, retry: null });
  });

  it("leaves retries to the envelope: one outage is one failed call, not a retry inside the SDK", async () => {
    const wrapped = await provider.wrap(randomBytes(32), context(), call());
    const before = emulator.calls().decrypt ?? 0;
    emulator.fail("outage", 1);
    expect((await failure(provider.unwrap(wrapped, context(), call()))).failure).toBe("unavailable");
    expect((emulator.calls().decrypt ?? 0) - before).toBe(1);
  });

  const lies: readonly [GcpLie, "wrap" | "unwrap", string][] = [
    ["ciphertext-crc", "wrap", "unavailable"],
    ["unverified-plaintext", "wrap", "unavailable"],
    ["unverified-aad", "wrap", "unavailable"],
    ["other-version", "wrap", "invalid_response"],
    ["plaintext-crc", "unwrap", "unavailable"],
    ["short-plaintext", "unwrap", "invalid_response"],
  ];
  for (const [lie, operation, expected] of lies) {
    it(`refuses an answer that lies (${lie}) with "${expected}", keeping no key bytes in the message`, async () => {
      const key = randomBytes(32);
      const wrapped = await provider.wrap(key, context(), call());
      if (lie === "other-version") emulator.rotate();
      emulator.lie(lie, 1);
      const error = await failure(
        operation === "wrap" ? provider.wrap(key, context(), call()) : provider.unwrap(wrapped, context(), call()),
      );
      expect(error.failure).toBe(expected);
      for (const secret of [key.toString("base64"), key.toString("hex"), Buffer.from(wrapped).toString("base64")])
        expect(error.message).not.toContain(secret);
    });
  }

  it("keeps unwrapping data wrapped under an older version after a rotation, until that version is disabled", async () => {
    const key = randomBytes(32);
    const wrappedV1 = await provider.wrap(key, context(), call());
    const v2 = emulator.rotate();
    const onV2 = createGcpKmsProvider({ client: emulator.client(), keyVersionName: v2 });
    const wrappedV2 = await onV2.wrap(key, context(), call());
    expect(emulator.lastVersionUsed()).toBe(v2);
    expect(Buffer.from((await onV2.unwrap(wrappedV1, context(), call())) ?? []).equals(key)).toBe(true);
    emulator.setVersionState(emulator.firstVersionName, "DISABLED");
    try {
      expect((await failure(onV2.unwrap(wrappedV1, context(), call()))).failure).toBe("key_disabled");
      expect((await failure(provider.wrap(key, context(), call()))).failure).toBe("key_disabled");
      expect(Buffer.from((await onV2.unwrap(wrappedV2, context(), call())) ?? []).equals(key)).toBe(true);
    } finally {
      emulator.setVersionState(emulator.firstVersionName, "ENABLED");
    }
  });

  it("reports a destroyed version as key_disabled, and a version or key that does not exist as not_found", async () => {
    const v = emulator.rotate("other");
    const onV = createGcpKmsProvider({ client: emulator.client(), keyVersionName: v });
    const wrapped = await onV.wrap(randomBytes(32), context(), call());
    emulator.setVersionState(v, "DESTROYED");
    expect((await failure(onV.unwrap(wrapped, context(), call()))).failure).toBe("key_disabled");
    for (const name of [
      `${emulator.cryptoKeyName}/cryptoKeyVersions/99`,
      `${emulator.cryptoKeyName.replace(/fields$/, "missing")}/cryptoKeyVersions/1`,
    ]) {
      const missing = createGcpKmsProvider({ client: emulator.client(), keyVersionName: name });
      const error = await failure(missing.wrap(randomBytes(32), context(), call()));
      expect(error.failure).toBe("not_found");
      expect(error.retryable).toBe(false);
    }
  });

  it('reports refused credentials as a non-retryable "denied"', async () => {
    const stranger = createGcpKmsProvider({
      client: emulator.client("not-the-token"),
      keyVersionName: emulator.firstVersionName,
    });
    const error = await failure(stranger.wrap(randomBytes(32), context(), call()));
    expect(error.failure).toBe("denied");
    expect(error.retryable).toBe(false);
  });

  it("makes no call for a signal that is already aborted, and reports a timeout", async () => {
    const before = emulator.calls().encrypt ?? 0;
    const controller = new AbortController();
    controller.abort();
    const error = await failure(provider.wrap(randomBytes(32), context(), { signal: controller.signal }));
    expect(error.failure).toBe("timeout");
    expect(emulator.calls().encrypt ?? 0).toBe(before);
  });

  it("wraps and unwraps many data keys concurrently, each to its own key and context", async () => {
    const keys = Array.from({ length: 24 }, () => randomBytes(32));
    const contexts = keys.map((_, i) => context({ scope: `tenant-${String(i)}` }));
    const wrapped = await Promise.all(keys.map((k, i) => provider.wrap(k, contexts[i] ?? context(), call())));
    const unwrapped = await Promise.all(wrapped.map((w, i) => provider.unwrap(w, contexts[i] ?? context(), call())));
    unwrapped.forEach((u, i) => {
      expect(Buffer.from(u ?? []).equals(keys[i] ?? Buffer.alloc(0))).toBe(true);
    });
  });

  it("refuses wrong inputs with ERR_INVALID_INPUT before any call", async () => {
    const before = { ...emulator.calls() };
    const wrapped = await provider.wrap(randomBytes(32), context(), call());
    const bad: readonly (() => Promise<unknown>)[] = [
      () => provider.wrap(randomBytes(31), context(), call()),
      () => provider.wrap(new Uint8Array(0), context(), call()),
      () => provider.wrap(randomBytes(33), context(), call()),
      () => provider.wrap("k".repeat(32) as never, context(), call()),
      () => provider.wrap(randomBytes(32), { ...context(), mode: "other" } as never, call()),
      () => provider.wrap(randomBytes(32), { ...context(), scope: 7 } as never, call()),
      () => provider.wrap(randomBytes(32), { ...context(), extra: "x" } as WrapContext, call()),
      () => provider.wrap(randomBytes(32), { keyId: "k" } as never, call()),
      () => provider.wrap(randomBytes(32), null as never, call()),
      () => provider.wrap(randomBytes(32), context({ scope: "\ud800" }), call()),
      () => provider.wrap(randomBytes(32), context({ scope: "x".repeat(5000) }), call()),
      () => provider.wrap(randomBytes(32), context(), {} as never),
      () => provider.wrap(randomBytes(32), context(), undefined as never),
      () => provider.unwrap(Buffer.from(wrapped).toString("base64") as never, context(), call()),
      () => provider.unwrap(wrapped, context(), { signal: "soon" } as never),
    ];
    for (const [i, attempt] of bad.entries())
      expect(await moatCode(attempt), `case ${String(i)}`).toBe("ERR_INVALID_INPUT");
    expect(emulator.calls().encrypt).toBe((before.encrypt ?? 0) + 1);
  });
});

describe("createGcpKmsProvider options", () => {
  // Never called: options are checked before any request.
  const client: GcpKmsClientLike = {
    encrypt: () => Promise.reject(new Error("not called")),
    decrypt: () => Promise.reject(new Error("not called")),
  };
  const version = "projects/acme/locations/europe-west1/keyRings/app/cryptoKeys/fields/cryptoKeyVersions/3";

  it("refuses a CryptoKey name, which would mean 'whatever the primary is', saying to pin a version", async () => {
    const cryptoKey = version.replace(/\/cryptoKeyVersions\/3$/, "");
    let message = "";
    try {
      createGcpKmsProvider({ client, keyVersionName: cryptoKey });
    } catch (error) {
      expect(isMoatError(error, "ERR_CONFIG")).toBe(true);
      message = error instanceof Error ? error.message : "";
    }
    expect(message).toContain("pin a version");
    expect(await moatCode(() => createGcpKmsProvider({ client, keyVersionName: version }))).toBeUndefined();
  });

  it("refuses malformed, empty, oversized and wrongly typed options with ERR_CONFIG", async () => {
    const bad: readonly unknown[] = [
      undefined,
      null,
      "projects/…",
      {},
      { keyVersionName: version },
      { client: {}, keyVersionName: version },
      { client: { encrypt: () => undefined }, keyVersionName: version },
      { client, keyVersionName: "" },
      { client, keyVersionName: 3 },
      { client, keyVersionName: `${version}/` },
      { client, keyVersionName: version.replace(/3$/, "0") },
      { client, keyVersionName: version.replace(/3$/, "latest") },
      { client, keyVersionName: version.replace("/locations/europe-west1", "") },
      { client, keyVersionName: version.replace("fields", "fields/cryptoKeys/x") },
      { client, keyVersionName: version.replace("acme", "a".repeat(1000)) },
      { client, keyVersionName: ` ${version}` },
      { client, keyVersionName: version, callTimeout: 0 },
      { client, keyVersionName: version, callTimeout: -5 },
      { client, keyVersionName: version, callTimeout: "forever" },
      { client, keyVersionName: version, callTimeout: "11m" },
    ];
    for (const [i, options] of bad.entries())
      expect(await moatCode(() => createGcpKmsProvider(options as never)), `case ${String(i)}`).toBe("ERR_CONFIG");
  });

  it("refuses an unknown option by name and suggests the one meant", () => {
    let message = "";
    try {
      createGcpKmsProvider({ client, ...{ keyVersion: version } } as never);
    } catch (error) {
      message = error instanceof Error ? error.message : "";
    }
    expect(message).toContain('unknown option "keyVersion"; did you mean "keyVersionName"?');
  });

  it("never echoes option values in its messages", () => {
    const secretish = "projects/s3cr3t-v4lue/locations/x/keyRings/r/cryptoKeys/k/cryptoKeyVersions/not-a-number";
    try {
      createGcpKmsProvider({ client, keyVersionName: secretish });
    } catch (error) {
      expect(String(error instanceof Error ? error.message : error)).not.toContain("s3cr3t");
      expect(JSON.stringify(isMoatError(error) ? error.details : {})).not.toContain("s3cr3t");
    }
  });
});

describe("gcp-kms transport failures", () => {
  it('reports a refused connection as a retryable "unavailable"', async () => {
    const emulator = await startGcpKmsEmulator();
    const client = emulator.client();
    await emulator.close();
    const provider = createGcpKmsProvider({ client, keyVersionName: emulator.firstVersionName });
    const error = await failure(provider.wrap(randomBytes(32), context(), call()));
    expect(error.failure).toBe("unavailable");
    expect(error.retryable).toBe(true);
  });
});

const realKey = process.env.MOATKIT_GCP_KMS_KEY_VERSION;
describe("gcp-kms against the real service", () => {
  if (realKey === undefined || realKey === "") {
    it.skip("skipped: MOATKIT_GCP_KMS_KEY_VERSION is not set (a real CryptoKeyVersion name, with Application Default Credentials allowed roles/cloudkms.cryptoKeyEncrypterDecrypter on it)", () => {});
    return;
  }
  it("wraps, unwraps and binds the context with Cloud KMS itself", async () => {
    const provider = createGcpKmsProvider({ client: new KeyManagementServiceClient(), keyVersionName: realKey });
    const key = randomBytes(32);
    const wrapped = await provider.wrap(key, context(), call());
    expect(Buffer.from((await provider.unwrap(wrapped, context(), call())) ?? []).equals(key)).toBe(true);
    expect(await provider.unwrap(wrapped, context({ scope: "tenant-b" }), call())).toBeUndefined();
  });
});
