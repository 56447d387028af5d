/**
 * `npm run demo`: an end-to-end tour of moatkit on embedded defaults only (memory stores and
 * PGlite; no server, no environment variables). Each capability adds a chapter.
 */
import errors from "./tour/errors.js";
import migrations from "./tour/migrations.js";
import redactChapter from "./tour/redact.js";
import type { TourSection } from "./tour/section.js";

const sections: readonly TourSection[] = [errors, migrations, redactChapter];

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
