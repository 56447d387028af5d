/**
 * moatkit/kms/aws refuses what it cannot use safely: options that are not a client and a key
 * ARN (ERR_CONFIG, naming the problem and never the value), and call arguments of the wrong
 * type or size (ERR_INVALID_INPUT), before any request is made.
 */
import { randomBytes } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { KeyProvider } from "../../src/crypto/key-provider.js";
import { isMoatError } from "../../src/errors.js";
import { createAwsKmsProvider, type AwsKmsProviderOptions } from "../../src/kms/aws/index.js";
import type { AwsKmsEmulator } from "./emulators/aws-kms.js";
import { singleRegion } from "./aws-setup.js";
import { context } from "./provider-suite.js";

const ARN = "arn:aws:kms:us-east-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab";
const MRK = "arn:aws:kms:us-east-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab";
const MRK_EU = "arn:aws:kms:eu-west-1:111122223333:key/mrk-1234abcd12ab34cd56ef1234567890ab";
const client = { send: (): Promise<never> => Promise.reject(new Error("no KMS in this test")) };

function configError(options: unknown): unknown {
  try {
    createAwsKmsProvider(options as AwsKmsProviderOptions);
  } catch (error) {
    return error;
  }
  return undefined;
}

describe("createAwsKmsProvider options", () => {
  it("accepts a key ARN, a multi-Region key ARN, and GovCloud and China partitions", () => {
    for (const keyId of [
      ARN,
      MRK,
      "arn:aws-us-gov:kms:us-gov-west-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
      "arn:aws-cn:kms:cn-north-1:111122223333:key/1234abcd-12ab-34cd-56ef-1234567890ab",
    ]) {
      expect(createAwsKmsProvider({ client, keyId }).keyName).toBe(keyId);
    }
  });

  const refused: readonly [string, unknown][] = [
    ["no options", undefined],
    ["a string", "arn"],
    ["no client", { keyId: ARN }],
    ["a client without send", { client: {}, keyId: ARN }],
    ["a client that is a function", { client: () => undefined, keyId: ARN }],
    ["no keyId", { client }],
    ["a numeric keyId", { client, keyId: 42 }],
    ["an empty keyId", { client, keyId: "" }],
    ["an oversized keyId", { client, keyId: `${ARN}${"a".repeat(5000)}` }],
    ["a bare key id (no Region or account)", { client, keyId: "1234abcd-12ab-34cd-56ef-1234567890ab" }],
    ["an ARN with an upper-case key id", { client, keyId: ARN.replace("1234abcd-12ab", "1234ABCD-12AB") }],
    ["an ARN of another service", { client, keyId: ARN.replace(":kms:", ":s3:") }],
    ["an ARN with a short account", { client, keyId: ARN.replace("111122223333", "1111") }],
    ["an ARN with trailing text", { client, keyId: `${ARN} ` }],
    ["an alias without allowAlias", { client, keyId: "alias/payments" }],
    ["an alias ARN without allowAlias", { client, keyId: "arn:aws:kms:us-east-1:111122223333:alias/payments" }],
    ["an AWS managed key's alias, even with allowAlias", { client, keyId: "alias/aws/s3", allowAlias: true }],
    ["allowAlias that is not a boolean", { client, keyId: ARN, allowAlias: "yes" }],
    ["an unknown option", { client, keyId: ARN, grantTokens: [] }],
    ["replicas for a single-Region key", { client, keyId: ARN, replicas: [{ client, keyId: MRK_EU }] }],
    ["replicas for an alias", { client, keyId: "alias/x", allowAlias: true, replicas: [{ client, keyId: MRK_EU }] }],
    ["an empty replica list", { client, keyId: MRK, replicas: [] }],
    ["a replica in the primary's Region", { client, keyId: MRK, replicas: [{ client, keyId: MRK }] }],
    [
      "two replicas in one Region",
      {
        client,
        keyId: MRK,
        replicas: [
          { client, keyId: MRK_EU },
          { client, keyId: MRK_EU },
        ],
      },
    ],
    [
      "a replica of another key",
      { client, keyId: MRK, replicas: [{ client, keyId: MRK_EU.replace("mrk-1", "mrk-2") }] },
    ],
    [
      "a replica in another account",
      { client, keyId: MRK, replicas: [{ client, keyId: MRK_EU.replace("1111", "9999") }] },
    ],
    ["a replica given as an alias", { client, keyId: MRK, replicas: [{ client, keyId: "alias/x" }] }],
    ["a replica without a client", { client, keyId: MRK, replicas: [{ keyId: MRK_EU }] }],
    ["a replica with an unknown option", { client, keyId: MRK, replicas: [{ client, keyId: MRK_EU, region: "x" }] }],
  ];
  for (const [name, options] of refused) {
    it(`refuses ${name} with ERR_CONFIG`, () => {
      const error = configError(options);
      expect(isMoatError(error, "ERR_CONFIG"), String(error)).toBe(true);
    });
  }

  it("never echoes the keyId it refuses", () => {
    const secretLooking = "alias/AKIAIOSFODNN7EXAMPLE";
    const error = configError({ client, keyId: secretLooking });
    expect((error as Error).message).not.toContain("AKIAIOSFODNN7EXAMPLE");
    expect(JSON.stringify((error as { details?: unknown }).details ?? {})).not.toContain("AKIAIOSFODNN7EXAMPLE");
  });

  it("says why an alias is refused and how to opt in", () => {
    expect((configError({ client, keyId: "alias/payments" }) as Error).message).toContain("allowAlias");
  });
});

describe("aws-kms provider: wrong call arguments fail before any request", () => {
  let kms: AwsKmsEmulator;
  let provider: KeyProvider;
  beforeAll(async () => {
    ({ kms, provider } = await singleRegion());
  });
  afterAll(() => kms.close());
  const call = { signal: AbortSignal.timeout(5000) };

  const cases: readonly [string, () => Promise<unknown>][] = [
    ["a 31-byte data key", () => provider.wrap(randomBytes(31), context(), call)],
    ["a 33-byte data key", () => provider.wrap(randomBytes(33), context(), call)],
    ["an empty data key", () => provider.wrap(new Uint8Array(0), context(), call)],
    ["a data key as a string", () => provider.wrap("k".repeat(32) as unknown as Uint8Array, context(), call)],
    [
      "a context without a scope",
      () => provider.wrap(randomBytes(32), { ...context(), scope: undefined } as never, call),
    ],
    [
      "a context with an extra field",
      () => provider.wrap(randomBytes(32), { ...context(), tenant: "x" } as never, call),
    ],
    ["a context with an unknown mode", () => provider.wrap(randomBytes(32), context({ mode: "other" as never }), call)],
    ["a context with an empty entry id", () => provider.wrap(randomBytes(32), context({ keyId: "" }), call)],
    ["an oversized scope", () => provider.wrap(randomBytes(32), context({ scope: "s".repeat(5000) }), call)],
    ["no signal", () => provider.wrap(randomBytes(32), context(), {} as never)],
    ["a ciphertext as a string", () => provider.unwrap("AQID" as unknown as Uint8Array, context(), call)],
    ["a context of the wrong type on unwrap", () => provider.unwrap(randomBytes(200), null as never, call)],
    ["a context of the wrong type on generate", () => provider.generate?.(42 as never, call) ?? Promise.resolve()],
  ];
  for (const [name, run] of cases) {
    it(`refuses ${name} with ERR_INVALID_INPUT`, async () => {
      const before = JSON.stringify(kms.calls());
      const error = await run().then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isMoatError(error, "ERR_INVALID_INPUT"), String(error)).toBe(true);
      expect(JSON.stringify(kms.calls())).toBe(before);
    });
  }
});
