/**
 * `npm run demo`: an end-to-end tour of moatkit on embedded defaults only (memory stores and
 * PGlite; no server, no environment variables). Each capability adds a chapter.
 */
import type { TourSection } from "./tour/section.js";
import audit from "./tour/audit.js";
import errors from "./tour/errors.js";
import migrations from "./tour/migrations.js";
import tenant from "./tour/tenant.js";
import sessions from "./tour/sessions.js";
import apikeys from "./tour/apikeys.js";
import mfa from "./tour/mfa.js";
import crypto from "./tour/crypto.js";
import redactChapter from "./tour/redact.js";
import expressTour from "./tour/express.js";
import cookieLogin from "./tour/cookie-login.js";
import expressSaas from "./tour/express-saas.js";

const sections: readonly TourSection[] = [
  errors,
  migrations,
  tenant,
  sessions,
  apikeys,
  mfa,
  crypto,
  redactChapter,
  expressTour,
  cookieLogin,
  audit,
  expressSaas,
];

let failed = false;
for (const [i, section] of sections.entries()) {
  console.log(`\n── ${String(i + 1)}. ${section.title}`);
  try {
    await section.run((line) => {
      console.log(`   ${line}`);
    });
  } catch (err) {
    failed = true;
    console.error(`   ✗ ${section.title} failed:`, err);
  }
}
console.log(failed ? "\nThe tour hit an error (see above)." : "\nTour complete.");
process.exitCode = failed ? 1 : 0;
