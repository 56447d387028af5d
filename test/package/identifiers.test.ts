/**
 * One identifier rule (src/_internal/identifier.ts), one verdict: every module that takes a
 * tenant id, user id, subject, owner id or org id accepts exactly the strings the rule accepts.
 */
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import {
  MAX_IDENTIFIER_LENGTH,
  identifierProblem,
  isIdentifier,
  requireIdentifier,
} from "../../src/_internal/identifier.js";
import { isMoatError } from "../../src/errors.js";
import {
  createMemoryApiKeyStore,
  createMemoryOneTimeTokenStore,
  createMemoryRecoveryCodeStore,
  createMemoryRefreshSessionStore,
  createMemoryTotpStepStore,
} from "../../src/adapters/memory/index.js";
import { createApiKeys } from "../../src/apikeys/index.js";
import { SCOPE_RE } from "../../src/apikeys/scopes.js";
import { buildAuditEvent } from "../../src/audit/index.js";
import { createEnvelope } from "../../src/crypto/index.js";
import { setSubject } from "../../src/express/index.js";
import { createRecoveryCodes, createTotp } from "../../src/mfa/index.js";
import { createKeySet, createOneTimeTokens, createSessions, createTokens } from "../../src/sessions/index.js";
import { impersonate, runWithTenant } from "../../src/tenant/index.js";
import { testKeyring } from "../../src/testing/index.js";
import type { IncomingMessage } from "node:http";

const envelope = createEnvelope({ keyring: testKeyring() });
const apiKeys = createApiKeys({ prefix: "sk", store: createMemoryApiKeyStore() });
const oneTimeTokens = createOneTimeTokens({ store: createMemoryOneTimeTokenStore(), purpose: "reset" });
const tokens = createTokens({
  keys: createKeySet([{ kid: "k1", alg: "HS256", key: new Uint8Array(32).fill(7), use: "sign" }]),
  issuer: "https://issuer.example",
  audience: null,
});
const sessions = createSessions({ tokens, store: createMemoryRefreshSessionStore() });
const recoveryCodes = createRecoveryCodes({ store: createMemoryRecoveryCodeStore(), cost: 4 });
const totp = createTotp({ issuer: "Acme", store: createMemoryTotpStepStore() });
const fakeRequest = (): IncomingMessage => Object.create(null) as IncomingMessage;

/** Every place an id enters moatkit, as a function that succeeds or refuses. */
const MODULES: Readonly<Record<string, (id: string) => unknown>> = {
  "tenant: runWithTenant tenantId": (id) => runWithTenant({ tenantId: id, userId: "u1" }, () => true),
  "tenant: runWithTenant userId": (id) => runWithTenant({ tenantId: "t1", userId: id }, () => true),
  "tenant: impersonate impersonator": (id) =>
    impersonate({ impersonator: id, target: { tenantId: "t1", userId: "u1" } }),
  "crypto: envelope tenantId": (id) => envelope.encrypt("x", { context: {}, tenantId: id }),
  "apikeys: issue ownerId": (id) => apiKeys.issue({ ownerId: id, env: "test" }),
  "apikeys: issue tenantId": (id) => apiKeys.issue({ ownerId: "o1", tenantId: id, env: "test" }),
  "apikeys: list ownerId": (id) => apiKeys.list(id),
  "sessions: one-time token subject": (id) => oneTimeTokens.issue(id),
  "sessions: session subject": (id) => sessions.start(id),
  "sessions: access token sub": (id) => tokens.sign({ sub: id }),
  "mfa: recovery codes userId": (id) => recoveryCodes.remaining(id),
  "mfa: totp userId": (id) => totp.verify({ userId: id, secret: "JBSWY3DPEHPK3PXPJBSWY3DPEHPK3PXP", code: "000000" }),
  "audit: orgId": (id) =>
    buildAuditEvent({ action: "note.update", orgId: id, actor: { userId: "u1" }, target: { type: "note", id: "n1" } }),
  "audit: actor userId": (id) =>
    buildAuditEvent({ action: "note.update", orgId: "o1", actor: { userId: id }, target: { type: "note", id: "n1" } }),
  "audit: target id": (id) =>
    buildAuditEvent({ action: "note.update", orgId: "o1", actor: { userId: "u1" }, target: { type: "note", id } }),
  "express: subject id": (id) => {
    setSubject(fakeRequest(), { id, role: "member" });
  },
  "express: subject tenantId": (id) => {
    setSubject(fakeRequest(), { id: "u1", role: "member", tenantId: id });
  },
};

/** `true` when `fn` succeeds, `false` when it refuses with ERR_INVALID_INPUT; anything else fails the test. */
async function verdict(fn: () => unknown): Promise<boolean> {
  try {
    await fn();
    return true;
  } catch (err) {
    if (isMoatError(err, "ERR_INVALID_INPUT")) return false;
    throw err;
  }
}

// Strings built from the code units that matter: controls (C0, DEL, C1), NUL, both surrogate
// halves, characters just outside those ranges, astral pairs and ordinary text.
const unit = fc.oneof(
  fc.constantFrom(
    "\u0000",
    "\u0001",
    "\n",
    "\u001f",
    "\u007f",
    "\u0080",
    "\u0085",
    "\u009f",
    "\ud800",
    "\udbff",
    "\udc00",
    "\udfff",
  ),
  fc.constantFrom(
    " ",
    "~",
    "\u00a0",
    "\u00e9",
    "\u200d",
    "\ufeff",
    "\ufffd",
    "\ud83d\ude00",
    ":",
    "'",
    ";",
    "a",
    "Z",
    "0",
    "_",
  ),
  fc.integer({ min: 0, max: 0xffff }).map((c) => String.fromCharCode(c)),
);
const ids = fc.oneof(
  { weight: 5, arbitrary: fc.string({ unit, minLength: 0, maxLength: 12 }) },
  { weight: 1, arbitrary: fc.string({ unit, minLength: 250, maxLength: 262 }) },
  { weight: 1, arbitrary: fc.string({ unit: "grapheme", maxLength: 20 }) },
);

// The cases of the 0.1 report, named: each got different verdicts from different modules.
const NAMED: readonly [string, string, boolean][] = [
  ["a control character", "acme\u0001", false],
  ["a newline", "acme\ninjected", false],
  ["NUL", "acme\u0000", false],
  ["DEL", "acme\u007f", false],
  ["a C1 control", "acme\u0085", false],
  ["a lone high surrogate", "acme\ud800", false],
  ["a lone low surrogate", "\udc00acme", false],
  ["an empty string", "", false],
  ["257 characters", "t".repeat(257), false],
  ["256 characters", "t".repeat(256), true],
  ["an astral character (a surrogate pair)", "t-\ud83d\ude00", true],
  ["quotes, colons and spaces", "o'brien: team 7; --", true],
];

describe("the identifier rule", () => {
  it("accepts 1–256 code units of well-formed Unicode without control characters", () => {
    expect(MAX_IDENTIFIER_LENGTH).toBe(256);
    for (const [, id, accepted] of NAMED) expect(isIdentifier(id)).toBe(accepted);
    expect(identifierProblem(42)).toBe("not_a_string");
    expect(identifierProblem("")).toBe("empty");
    expect(identifierProblem("x".repeat(257))).toBe("too_long");
    expect(identifierProblem("a\u0000")).toBe("control_character");
    expect(identifierProblem("\u009f")).toBe("control_character");
    expect(identifierProblem("a\ud800b")).toBe("lone_surrogate");
    expect(identifierProblem("\ud83d\ude00".repeat(128))).toBeUndefined();
  });

  it("agrees with a reference written as regular expressions", () => {
    const reference = (s: string): boolean =>
      s.length >= 1 && s.length <= 256 && !/\p{Cc}/u.test(s) && !/\p{Cs}/u.test(s);
    fc.assert(
      fc.property(ids, (id) => {
        expect(isIdentifier(id)).toBe(reference(id));
      }),
      { numRuns: 2000 },
    );
  });

  it("refuses without echoing the value", () => {
    const secret = "sk_live_secret\u0000";
    let message = "";
    try {
      requireIdentifier(secret, "tenantId");
    } catch (err) {
      message = err instanceof Error ? err.message : "";
    }
    expect(message).toBe("tenantId must not contain control characters");
  });

  it("is looser than the scope syntax: every valid scope is also an identifier", () => {
    fc.assert(
      fc.property(ids, (id) => {
        if (SCOPE_RE.test(id)) expect(isIdentifier(id)).toBe(true);
      }),
    );
  });
});

describe("every module gives the rule's verdict", () => {
  for (const [name, use] of Object.entries(MODULES)) {
    it(`${name}: the 0.1 report's cases`, async () => {
      for (const [what, id, accepted] of NAMED) {
        expect(await verdict(() => use(id)), what).toBe(accepted);
      }
    });
  }

  it("for arbitrary strings, every module agrees with the rule", async () => {
    await fc.assert(
      fc.asyncProperty(ids, async (id) => {
        const expected = isIdentifier(id);
        for (const [name, use] of Object.entries(MODULES)) {
          expect(await verdict(() => use(id)), name).toBe(expected);
        }
      }),
      { numRuns: 150 },
    );
  });
});
