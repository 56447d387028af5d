/**
 * Fuzz: refresh tokens, one-time tokens, TOTP codes, recovery codes, password hashes and audit
 * checkpoints. Each property requires a result or a MoatError, in bounded time (see harness.ts).
 */
import fc from "fast-check";
import { generateKeyPair } from "jose";
import { describe, expect, it } from "vitest";
import {
  createMemoryAuditStore,
  createMemoryOneTimeTokenStore,
  createMemoryRecoveryCodeStore,
  createMemoryRefreshSessionStore,
  createMemoryTotpStepStore,
} from "../../src/adapters/memory/index.js";
import { createAuditLog, verifyAuditCheckpoint } from "../../src/audit/index.js";
import { createRecoveryCodes, createTotp } from "../../src/mfa/index.js";
import { hashPassword, verifyPassword } from "../../src/passwords/index.js";
import { createOneTimeTokens, createSessions } from "../../src/sessions/index.js";
import { makeTokens } from "../sessions/helpers.js";
import { FUZZ_TIMEOUT, anyString, fuzzRuns, mutated, outcome, segments } from "./harness.js";

const isBoolean = (value: unknown): void => {
  expect(typeof value).toBe("boolean");
};

describe("fuzz: session tokens", () => {
  it(
    "sessions.refresh returns a result for any refresh token",
    async () => {
      const { tokens } = makeTokens();
      const sessions = createSessions({ tokens, store: createMemoryRefreshSessionStore() });
      const { refreshToken } = await sessions.start("user_42");
      const input = fc.oneof(anyString, segments, mutated(refreshToken.reveal()), fc.anything());
      await fc.assert(
        fc.asyncProperty(input, async (token) => {
          await outcome(() => sessions.refresh(token as string));
        }),
        { numRuns: fuzzRuns() },
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    "one-time tokens: consume returns a result for any token",
    async () => {
      const resets = createOneTimeTokens({ store: createMemoryOneTimeTokenStore(), purpose: "password-reset" });
      const { token } = await resets.issue("user_1");
      const input = fc.oneof(anyString, mutated(token.reveal()), fc.anything());
      await fc.assert(
        fc.asyncProperty(input, async (candidate) => {
          await outcome(() => resets.consume(candidate as string));
        }),
        { numRuns: fuzzRuns() },
      );
    },
    FUZZ_TIMEOUT,
  );
});

describe("fuzz: MFA", () => {
  it(
    "TOTP verify returns a result for any code",
    async () => {
      const totp = createTotp({ issuer: "Acme", store: createMemoryTotpStepStore() });
      const { secret } = totp.enroll({ accountName: "a@example.com" });
      const code = fc.oneof(anyString, fc.stringMatching(/^[0-9 ]{0,12}$/), fc.anything());
      await fc.assert(
        fc.asyncProperty(code, async (c) => {
          await outcome(() => totp.verify({ userId: "user_1", secret, code: c as string }));
        }),
        { numRuns: fuzzRuns() },
      );
    },
    FUZZ_TIMEOUT,
  );

  it(
    "recovery codes: redeem returns a result for any code",
    async () => {
      const codes = createRecoveryCodes({ store: createMemoryRecoveryCodeStore(), cost: 4 });
      const issued = await codes.generate("user_1");
      const first = issued.reveal()[0] ?? "";
      const code = fc.oneof(anyString, mutated(first), fc.anything());
      await fc.assert(
        fc.asyncProperty(code, async (c) => {
          await outcome(() => codes.redeem("user_1", c as string));
        }),
        { numRuns: fuzzRuns(50) },
      );
    },
    FUZZ_TIMEOUT,
  );
});

describe("fuzz: passwords", () => {
  it(
    "verifyPassword returns a boolean or throws a MoatError for any password and hash",
    async () => {
      const hash = await hashPassword("correct horse", { cost: 4 });
      // Mutations stay after the cost field: a hash is stored data, and a mutated cost of 19 is
      // merely slow, not a bug.
      const mutatedHash = mutated(hash.slice(7)).map((tail) => hash.slice(0, 7) + tail);
      const input = fc.tuple(
        fc.oneof(fc.constant("correct horse"), anyString, fc.anything()),
        fc.oneof(fc.constant(hash), anyString, mutatedHash, fc.anything()),
      );
      await fc.assert(
        fc.asyncProperty(input, async ([password, stored]) => {
          await outcome(() => verifyPassword(password as string, stored as string), isBoolean);
        }),
        { numRuns: fuzzRuns(50) },
      );
    },
    FUZZ_TIMEOUT,
  );
});

describe("fuzz: audit checkpoints", () => {
  it(
    "verifyAuditCheckpoint returns a checkpoint or throws a MoatError for any JWS",
    async () => {
      const { privateKey, publicKey } = await generateKeyPair("EdDSA");
      const log = createAuditLog({ store: createMemoryAuditStore() });
      await log.record({
        orgId: "org_1",
        actor: { userId: "u1" },
        action: "a.b",
        target: { type: "t", id: "1" },
      });
      const jws = await log.checkpoint("org_1", { alg: "EdDSA", privateKey });
      const input = fc.oneof(anyString, segments, mutated(jws), fc.anything());
      await fc.assert(
        fc.asyncProperty(input, async (candidate) => {
          await outcome(
            () => verifyAuditCheckpoint(candidate as string, publicKey),
            (cp) => {
              expect(cp.orgId).toBe("org_1");
            },
          );
        }),
        { numRuns: fuzzRuns() },
      );
    },
    FUZZ_TIMEOUT,
  );
});
