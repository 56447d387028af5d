import { PGlite } from "@electric-sql/pglite";
import { fromPglite, migrate, type Migration } from "moatkit/adapters/postgres";
import type { TourSection } from "./section.js";

const section: TourSection = {
  title: "Migrations on embedded Postgres (PGlite)",
  async run(say) {
    const pglite = await PGlite.create();
    try {
      const db = fromPglite(pglite);
      // moatkit's own tables, plus one step of the app's to show the runner's bookkeeping.
      const appSteps: Migration[] = [
        {
          module: "tour_app",
          version: 1,
          name: "create notes",
          sql: "CREATE TABLE notes (id serial PRIMARY KEY, body text NOT NULL);",
        },
      ];
      const first = await migrate(db);
      const app = await migrate(db, { migrations: appSteps });
      say(
        `moatkit migrations applied: ${String(first.applied.length)}; app steps applied: ${app.applied.map((m) => `${m.module} v${String(m.version)}`).join(", ")}`,
      );
      const again = await migrate(db, { migrations: appSteps });
      say(
        `running again is a no-op: applied ${String(again.applied.length)}, already applied ${String(again.alreadyApplied)}`,
      );
      const { rows } = await db.query<{ module: string; version: number }>(
        "SELECT module, version FROM moatkit_migrations ORDER BY module, version",
      );
      say(`moatkit_migrations: ${rows.map((r) => `${r.module}@${String(r.version)}`).join(", ")}`);
    } finally {
      await pglite.close();
    }
  },
};
export default section;
