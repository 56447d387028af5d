/**
 * The bounds of a TOTP secret and of a code, at their edges (found by mutation testing: removing
 * either bound left every other test passing). A secret may be 16 to 64 bytes (RFC 4226 R6 below,
 * SHA-512's block above); a code is read up to 64 characters, spaces included.
 */
import { describe, expect, it } from "vitest";
import { createMemoryTotpStepStore } from "../../src/adapters/memory/index.js";
import { createTotp } from "../../src/mfa/index.js";
import { fakeClock, totpCode } from "../../src/testing/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** Unpadded base32 of `length` bytes, each `byte`. */
function base32Of(length: number, byte: number): string {
  let bits = "";
  for (let i = 0; i < length; i++) bits += byte.toString(2).padStart(8, "0");
  bits = bits.padEnd(Math.ceil(bits.length / 5) * 5, "0");
  let out = "";
  for (let i = 0; i < bits.length; i += 5) out += ALPHABET[Number.parseInt(bits.slice(i, i + 5), 2)] ?? "";
  return out;
}

function setup() {
  const clock = fakeClock();
  const totp = createTotp({ issuer: "Acme", store: createMemoryTotpStepStore(), now: clock.now });
  return { totp, clock };
}

describe("TOTP secret length", () => {
  it("takes a 64-byte secret and refuses 65 bytes, naming the allowed range", async () => {
    const { totp, clock } = setup();
    const longest = base32Of(64, 0x5a);
    expect(longest).toHaveLength(103);
    await expect(
      totp.verify({ userId: "u1", secret: longest, code: totpCode(longest, clock.now()) }),
    ).resolves.toMatchObject({ ok: true });

    const tooLong = base32Of(65, 0x5a);
    const error = await expectMoatErrorAsync(
      totp.verify({ userId: "u1", secret: tooLong, code: "123456" }),
      "ERR_INVALID_INPUT",
    );
    expect(error.message).toContain("16 to 64 bytes");
    expect(error.message).not.toContain(tooLong);
  });

  it("takes the padded spelling of a 64-byte secret (104 characters)", async () => {
    const { totp, clock } = setup();
    const padded = `${base32Of(64, 0x33)}=`;
    expect(padded).toHaveLength(104);
    await expect(
      totp.verify({ userId: "u1", secret: padded, code: totpCode(padded, clock.now()) }),
    ).resolves.toMatchObject({ ok: true });
  });
});

describe("TOTP code input length", () => {
  it("reads a code padded with spaces to 64 characters and refuses 65 without using the step", async () => {
    const { totp, clock } = setup();
    const secret = base32Of(20, 0x42);
    const code = totpCode(secret, clock.now());
    const at64 = ` ${code}`.padEnd(64, " ");
    const at65 = ` ${code}`.padEnd(65, " ");
    const refused = await totp.verify({ userId: "u1", secret, code: at65 });
    expect(refused).toEqual({ ok: false, reason: "malformed" });
    // The refusal did not spend the step: the same code, within the bound, still passes once.
    await expect(totp.verify({ userId: "u1", secret, code: at64 })).resolves.toMatchObject({ ok: true });
  });
});
