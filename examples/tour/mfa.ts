import { createMemoryRecoveryCodeStore, createMemoryTotpStepStore } from "moatkit/adapters/memory";
import { createRecoveryCodes, createTotp, resolveMfaPolicy } from "moatkit/mfa";
import { createLogin, hashPassword, verifyPassword } from "moatkit/passwords";
import { fakeClock, totpCode } from "moatkit/testing";
import type { TourSection } from "./section.js";

const section: TourSection = {
  title: "Passwords, TOTP without replays, single-use recovery codes",
  async run(say) {
    // Passwords: bcrypt on worker threads; over-long passwords are refused, never truncated.
    const hash = await hashPassword("correct horse battery staple");
    say(`bcrypt hash (cost 12, made on a worker thread): ${hash.slice(0, 7)}…`);
    say(
      `right password → ${String(await verifyPassword("correct horse battery staple", hash))}, wrong → ${String(await verifyPassword("Tr0ub4dor&3", hash))}`,
    );
    try {
      await hashPassword("€".repeat(25)); // 75 UTF-8 bytes: bcrypt would silently drop the end
    } catch (err) {
      say(`a 75-byte password is refused: ${err instanceof Error ? err.message : String(err)}`);
    }

    // Login: unknown user and wrong password look exactly alike.
    const users = new Map([["ada@example.com", { id: "u1", passwordHash: hash, role: "owner" }]]);
    const { login } = createLogin({
      findUser: (email) => Promise.resolve(users.get(email) ?? null),
      verifyMfa: (user) => resolveMfaPolicy({ platform: "optional", role: user.role }) === "required",
    });
    const ok = await login({
      identifier: "ada@example.com",
      password: "correct horse battery staple",
      ip: "203.0.113.7",
    });
    say(`login as an owner → ok: ${String(ok.ok)}, mfaRequired: ${String(ok.ok && ok.mfaRequired)}`);
    const unknown = await login({ identifier: "eve@example.com", password: "guess", ip: "203.0.113.7" });
    const wrong = await login({ identifier: "ada@example.com", password: "guess", ip: "203.0.113.7" });
    say(`unknown user → ${JSON.stringify(unknown)}; wrong password → ${JSON.stringify(wrong)}`);

    // TOTP: enrol, verify a code, and refuse the same code again.
    const clock = fakeClock();
    const totp = createTotp({ issuer: "Acme", store: createMemoryTotpStepStore(), now: clock.now });
    const { secret, uri } = totp.enroll({ accountName: "ada@example.com" });
    say(
      `enrolled: secret ${String(secret)} (${String(secret.reveal().length)} base32 characters), QR URI ${uri.reveal().split("?")[0] ?? ""}?…`,
    );
    const code = totpCode(secret, clock.now()); // what the authenticator app shows now
    say(`verify ${code} → ${JSON.stringify(await totp.verify({ userId: "u1", secret, code }))}`);
    clock.advance(10_000);
    say(`the same code again 10 s later → ${JSON.stringify(await totp.verify({ userId: "u1", secret, code }))}`);

    // Recovery codes: shown once, stored as selector + bcrypt hash, usable once.
    const recovery = createRecoveryCodes({ store: createMemoryRecoveryCodeStore() });
    const codes = (await recovery.generate("u1")).reveal();
    say(`10 recovery codes, e.g. ${codes[0] ?? ""} (stored only as bcrypt hashes)`);
    const typed = (codes[0] ?? "").toLowerCase().replace("-", " ");
    say(`redeem "${typed}" → ${JSON.stringify(await recovery.redeem("u1", typed))}`);
    say(`redeem it again → ${JSON.stringify(await recovery.redeem("u1", typed))}`);
  },
};
export default section;
