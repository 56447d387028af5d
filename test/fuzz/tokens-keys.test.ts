/**
 * Fuzz: API keys, JWT access tokens and envelope tokens. Each property feeds untrusted input to a
 * parser or verifier and requires a result or a MoatError, in bounded time (see harness.ts).
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { createEnvelope } from "../../src/crypto/index.js";
import { createApiKeys, parseApiKey } from "../../src/apikeys/index.js";
import { createMemoryApiKeyStore } from "../../src/adapters/memory/index.js";
import { testKeyring } from "../../src/testing/index.js";
import { makeTokens } from "../sessions/helpers.js";
import { FUZZ_TIMEOUT, anyString, fuzzRuns, mutated, outcome, segments } from "./harness.js";

const PEPPER = "pepper-of-at-least-thirty-two-bytes!";

describe("fuzz: API keys", () => {
  it(
    "parseApiKey returns a parse or null; verify returns a result, for any input",
    async () => {
      const apiKeys = createApiKeys({ prefix: "acme", store: createMemoryApiKeyStore(), pepper: PEPPER });
      const { key } = await apiKeys.issue({ ownerId: "user_1", env: "live", scopes: ["read"] });
      const input = fc.oneof(anyString, mutated(key.reveal()), fc.anything());
      await fc.assert(
        fc.asyncProperty(input, async (candidate) => {
          if (typeof candidate === "string") {
            await outcome(
              () => parseApiKey(candidate),
              (p) => {
                expect(p === null || typeof p === "object").toBe(true);
              },
            );
          }
          await outcome(() => apiKeys.verify(candidate));
        }),
        { numRuns: fuzzRuns() },
      );
    },
    FUZZ_TIMEOUT,
  );
});

describe("fuzz: access tokens", () => {
  it(
    "tokens.verify returns a result for random strings, segments and mutated valid tokens",
    async () => {
      const { tokens } = makeTokens();
      const valid = await tokens.sign({ sub: "user_42", roles: ["admin"] });
      const input = fc.oneof(anyString, segments, mutated(valid), fc.anything());
      await fc.assert(
        fc.asyncProperty(input, async (token) => {
          await outcome(() => tokens.verify(token as string));
        }),
        { numRuns: fuzzRuns() },
      );
    },
    FUZZ_TIMEOUT,
  );
});

describe("fuzz: envelope", () => {
  const envelope = createEnvelope({ keyring: testKeyring(["k1"]) });
  const context = { table: "t", column: "c", rowId: 7 };

  it(
    "decrypt of strings, bytes and mutated valid tokens resolves or throws a MoatError",
    async () => {
      const valid = await envelope.encrypt("secret value", { context });
      const bytes = await envelope.encryptBytes("secret value", { context });
      const mutatedBytes = fc
        .tuple(fc.nat(bytes.length - 1), fc.integer({ min: 0, max: 255 }), fc.nat(bytes.length))
        .map(([at, b, cut]) => {
          const copy = bytes.slice(0, Math.max(cut, at + 1));
          copy[at] = b;
          return copy;
        });
      const input = fc.oneof(anyString, segments, mutated(valid), fc.uint8Array({ maxLength: 200 }), mutatedBytes);
      await fc.assert(
        fc.asyncProperty(input, async (token) => {
          await outcome(
            () => envelope.decrypt(token, { context }),
            (plain) => {
              expect(plain).toBeInstanceOf(Uint8Array);
            },
          );
        }),
        { numRuns: fuzzRuns() },
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    "encrypt and decrypt with any JSON-ish context resolve or throw a MoatError",
    async () => {
      const valid = await envelope.encrypt("secret value", { context });
      const json = fc.oneof(fc.jsonValue({ maxDepth: 3 }), fc.anything({ maxDepth: 2 }));
      await fc.assert(
        fc.asyncProperty(json, fc.option(anyString, { nil: undefined }), async (ctx, tenantId) => {
          const binding = { context: ctx, tenantId } as never;
          await outcome(
            () => envelope.encrypt("x", binding),
            (t) => {
              expect(typeof t).toBe("string");
            },
          );
          await outcome(
            () => envelope.decrypt(valid, binding),
            (plain) => {
              expect(plain).toBeInstanceOf(Uint8Array);
            },
          );
        }),
        { numRuns: fuzzRuns() },
      );
    },
    FUZZ_TIMEOUT,
  );
});
