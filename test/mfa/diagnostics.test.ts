/**
 * What an operator reads when something is wrong: every MoatError of moatkit/mfa names the thing
 * at fault (the store and its method, the clock, the random source, the input), not just its
 * code, and never repeats the secret or code that was passed.
 */
import { describe, expect, it } from "vitest";
import { createMemoryRecoveryCodeStore, createMemoryTotpStepStore } from "../../src/adapters/memory/index.js";
import {
  createRecoveryCodes,
  createTotp,
  resolveMfaPolicy,
  type RecoveryCodeStore,
  type TotpStepStore,
} from "../../src/mfa/index.js";
import { requireTotpStep } from "../../src/mfa/store.js";
import { normalizeRecoveryCode } from "../../src/mfa/recovery-code-format.js";
import { fakeClock, totpCode } from "../../src/testing/index.js";
import { expectMoatError, expectMoatErrorAsync } from "../helpers/assertions.js";

const SECRET = "GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ";

describe("TOTP errors name what is wrong", () => {
  it("a clock that returns garbage", async () => {
    const totp = createTotp({ issuer: "A", store: createMemoryTotpStepStore(), now: () => -1 });
    const err = await expectMoatErrorAsync(totp.verify({ userId: "u", secret: SECRET, code: "123456" }), "ERR_CONFIG");
    expect(err.message).toMatch(/clock/);
  });

  it("a store that answers advanceTotpStep with something other than a boolean", async () => {
    const clock = fakeClock();
    const store: TotpStepStore = {
      advanceTotpStep: () => Promise.resolve("yes" as unknown as boolean),
      getLastTotpStep: () => Promise.resolve(null),
    };
    const totp = createTotp({ issuer: "A", store, now: clock.now });
    const code = totpCode(SECRET, clock.now());
    const err = await expectMoatErrorAsync(totp.verify({ userId: "u", secret: SECRET, code }), "ERR_STORE");
    expect(err.message).toMatch(/totpSteps/);
    expect(err.message).toMatch(/advanceTotpStep/);
    expect(err.message).not.toContain(code);
  });

  it("bad enrolment input", () => {
    const totp = createTotp({ issuer: "A", store: createMemoryTotpStepStore() });
    const err = expectMoatError(() => totp.enroll({ accountName: "a:b" }), "ERR_INVALID_INPUT");
    expect(err.message).toMatch(/enroll/);
  });

  it("a secret that is not base32 of 16 to 64 bytes, without echoing it", async () => {
    const totp = createTotp({ issuer: "A", store: createMemoryTotpStepStore() });
    const wrong = "NOT-BASE32-SECRET-VALUE";
    const err = await expectMoatErrorAsync(
      totp.verify({ userId: "u", secret: wrong, code: "123456" }),
      "ERR_INVALID_INPUT",
    );
    expect(err.message).toMatch(/base32/);
    expect(err.message).not.toContain(wrong);
  });

  it("a step a store is asked to record that is not a non-negative integer", () => {
    for (const step of [-1, 1.5, Number.NaN, "3"]) {
      const err = expectMoatError(() => requireTotpStep(step), "ERR_INVALID_INPUT");
      expect(err.message).toMatch(/TOTP step/);
    }
  });

  it("a policy input that is not valid", () => {
    const err = expectMoatError(
      () => resolveMfaPolicy({ platform: "sometimes" as never, role: "member" }),
      "ERR_INVALID_INPUT",
    );
    expect(err.message).toMatch(/resolveMfaPolicy/);
  });
});

describe("recovery-code errors name what is wrong", () => {
  const good = createMemoryRecoveryCodeStore();
  const setup = (store: RecoveryCodeStore = good) => createRecoveryCodes({ store, cost: 4 });

  it("a code that is not a string", async () => {
    const err = await expectMoatErrorAsync(setup().redeem("u", 42 as never), "ERR_INVALID_INPUT");
    expect(err.message).toMatch(/recovery code/);
  });

  it("a store that returns something other than a bcrypt hash, without echoing it", async () => {
    const leaked = "ABCDEFGHJK-plaintext";
    const store: RecoveryCodeStore = { ...good, findRecoveryCode: () => Promise.resolve(leaked) };
    const err = await expectMoatErrorAsync(setup(store).redeem("u", "ABCDE-FGHJK"), "ERR_STORE");
    expect(err.message).toMatch(/recoveryCodes store/);
    expect(err.message).toMatch(/bcrypt/);
    expect(err.message).not.toContain(leaked);
  });

  it("a store that returns an impossible remaining count after a redemption", async () => {
    const store = createMemoryRecoveryCodeStore();
    const [code = ""] = (await createRecoveryCodes({ store, cost: 4, count: 1 }).generate("u")).reveal();
    const bad: RecoveryCodeStore = { ...store, consumeRecoveryCode: () => Promise.resolve(-2) };
    const err = await expectMoatErrorAsync(setup(bad).redeem("u", code), "ERR_STORE");
    expect(err.message).toMatch(/recoveryCodes store/);
    expect(err.message).toMatch(/remaining/);
  });

  it("a store that returns an impossible count", async () => {
    const bad: RecoveryCodeStore = { ...good, countRecoveryCodes: () => Promise.resolve(Number.NaN) };
    const err = await expectMoatErrorAsync(setup(bad).remaining("u"), "ERR_STORE");
    expect(err.message).toMatch(/recoveryCodes store/);
    expect(err.message).toMatch(/count/);
  });

  it("a random source that keeps repeating itself", async () => {
    const codes = createRecoveryCodes({ store: good, cost: 4, count: 2, random: (n) => new Uint8Array(n) });
    const err = await expectMoatErrorAsync(codes.generate("u"), "ERR_CONFIG");
    expect(err.message).toMatch(/random/);
  });

  it("a random option that is not a function", () => {
    const err = expectMoatError(() => createRecoveryCodes({ store: good, random: "entropy" as never }), "ERR_CONFIG");
    expect(err.message).toMatch(/random/);
  });
});

describe("recovery-code input bound", () => {
  it("reads input of up to 64 characters and refuses anything longer before looking at it", () => {
    const padded = (n: number) => `ABCDE-FGHJK${" ".repeat(n - 11)}`;
    expect(normalizeRecoveryCode(padded(64))).toBe("ABCDEFGHJK");
    expect(normalizeRecoveryCode(padded(65))).toBeNull();
    expect(normalizeRecoveryCode(`${"-".repeat(1000)}ABCDEFGHJK`)).toBeNull();
  });
});
