import { MoatError, Secret, isMoatError, type Result } from "moatkit";
import type { TourSection } from "./section.js";

const section: TourSection = {
  title: "Two kinds of failure, and secrets that never print",
  async run(say) {
    // 1. Checking an untrusted credential returns a result with a reason.
    const check = (code: string): Result<{ userId: string }, "malformed" | "invalid"> =>
      /^\d{6}$/.test(code) ? { ok: false, reason: "invalid" } : { ok: false, reason: "malformed" };
    say(`checking "12ab" → ${JSON.stringify(check("12ab"))}`);

    // 2. Misuse and corrupted data throw MoatError with a stable code and a fixed message.
    try {
      throw new MoatError("ERR_CONFIG", { message: "MOATKIT_MASTER_KEYS: key k2025 is not 32 bytes" });
    } catch (err) {
      if (isMoatError(err, "ERR_CONFIG")) say(`misuse throws ${err.code}: ${err.message}`);
    }

    // 3. Secrets redact themselves everywhere a logger might look.
    const secret = new Secret("JBSWY3DPEHPK3PXP");
    say(`a Secret in a template: ${String(secret)}, in JSON: ${JSON.stringify({ secret })}`);
    say(`…and only reveal() gives the value (${String(secret.reveal().length)} characters)`);
  },
};
export default section;
