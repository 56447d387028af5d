import { PGlite } from "@electric-sql/pglite";
import { isMoatError } from "moatkit";
import { createPostgresDataKeyStore, fromPglite, migrate } from "moatkit/adapters/postgres";
import { createBlindIndex, createEnvelope, generateMasterKey, parseMasterKeys, rewrapColumn } from "moatkit/crypto";
import type { TourSection } from "./section.js";

const section: TourSection = {
  title: "Envelope encryption: encrypt a field, rotate the master key, rewrap, shred a tenant",
  async run(say) {
    const pglite = await PGlite.create();
    try {
      const db = fromPglite(pglite);
      await migrate(db);
      await db.exec(
        "CREATE TABLE integrations (id integer PRIMARY KEY, tenant text NOT NULL, api_key text NOT NULL, api_key_idx text NOT NULL)",
      );
      const dataKeys = createPostgresDataKeyStore({ client: db });

      // 1. A master key as it would come from MOATKIT_MASTER_KEYS, and a field encrypted under it.
      const k2025 = generateMasterKey({ id: "k2025" });
      const v1 = createEnvelope({ keyring: parseMasterKeys(k2025.entry.reveal()), dataKeys });
      const index = createBlindIndex({
        keyring: parseMasterKeys(k2025.entry.reveal()),
        name: "integrations.api_key",
        bits: 32,
      });
      const contextOf = (row: { readonly id?: unknown }) => ({
        table: "integrations",
        column: "api_key",
        rowId: Number(row.id),
      });
      const rows = [
        { id: 1, tenant: "acme", apiKey: "sk_live_acme_51H8" },
        { id: 2, tenant: "globex", apiKey: "sk_live_globex_77Qa" },
        { id: 3, tenant: "acme", apiKey: "sk_live_acme_9xZ2" },
      ];
      for (const row of rows) {
        const token = await v1.encrypt(row.apiKey, { context: contextOf(row), tenantId: row.tenant });
        await db.query("INSERT INTO integrations VALUES ($1, $2, $3, $4)", [
          row.id,
          row.tenant,
          token,
          index.index(row.apiKey),
        ]);
      }
      const first =
        (await db.query<{ api_key: string }>("SELECT api_key FROM integrations WHERE id = 1")).rows[0]?.api_key ?? "";
      say(
        `stored token: ${first.slice(0, 40)}… (${String(first.length)} chars for a ${String(rows[0]?.apiKey.length)}-char key)`,
      );
      say(
        `decrypted with its context: ${await v1.decryptString(first, { context: contextOf({ id: 1 }), tenantId: "acme" })}`,
      );
      try {
        await v1.decrypt(first, { context: contextOf({ id: 2 }), tenantId: "acme" });
      } catch (err) {
        if (isMoatError(err)) say(`copied to row 2 it fails: ${err.code}`);
      }
      const found = await db.query<{ id: number }>("SELECT id FROM integrations WHERE api_key_idx = $1", [
        index.index("sk_live_globex_77Qa"),
      ]);
      say(`blind index lookup finds row ${found.rows.map((r) => String(r.id)).join(", ")} without decrypting anything`);

      // 2. Rotate: a new primary key first, the old one kept for decryption.
      const k2026 = generateMasterKey({ id: "k2026" });
      const both = parseMasterKeys(`${k2026.entry.reveal()},${k2025.entry.reveal()}`);
      const v2 = createEnvelope({ keyring: both, dataKeys });
      const result = await rewrapColumn(v2, db, {
        table: "integrations",
        column: "api_key",
        idColumn: "id",
        context: contextOf,
        tenantId: (row) => (typeof row.tenant === "string" ? row.tenant : undefined),
        batchSize: 2,
        onProgress: (p) => {
          say(`  rewrap progress: scanned ${String(p.scanned)}, rewrapped ${String(p.rewrapped)}`);
        },
      });
      say(
        `rewrapColumn: ${String(result.rewrapped)} rewrapped, ${String(result.failed)} failed; values per master key now ${JSON.stringify(result.remainingByKeyId)}`,
      );
      const again = await rewrapColumn(v2, db, {
        table: "integrations",
        column: "api_key",
        idColumn: "id",
        context: contextOf,
        tenantId: (row) => String(row.tenant),
      });
      say(
        `running it again is a no-op: ${String(again.rewrapped)} rewrapped, ${String(again.alreadyCurrent)} already current`,
      );
      const data = await v2.keys.rewrapDataKeys();
      say(
        `data keys per master key: ${JSON.stringify(data.remainingByMasterKeyId)} (rewrapDataKeys moved ${String(data.rewrapped)} old ones)`,
      );

      // 3. With nothing left under k2025, it can leave the keyring.
      const v3 = createEnvelope({ keyring: parseMasterKeys(k2026.entry.reveal()), dataKeys });
      const all = await db.query<{ id: number; tenant: string; api_key: string }>(
        "SELECT id, tenant, api_key FROM integrations ORDER BY id",
      );
      for (const row of all.rows)
        await v3.decryptString(row.api_key, { context: contextOf(row), tenantId: row.tenant });
      say(`k2025 removed: all ${String(all.rows.length)} rows still decrypt under k2026 alone`);

      // 4. Crypto-shredding: acme leaves; its data keys go, so every copy of its data is noise.
      const { dataKeysDestroyed } = await v3.keys.shredTenant("acme");
      say(`shredTenant("acme") destroyed ${String(dataKeysDestroyed)} data key(s)`);
      for (const row of all.rows) {
        try {
          await v3.decryptString(row.api_key, { context: contextOf(row), tenantId: row.tenant });
          say(`  row ${String(row.id)} (${row.tenant}): still readable`);
        } catch (err) {
          if (!isMoatError(err, "ERR_KEY_NOT_FOUND")) throw err;
          say(`  row ${String(row.id)} (${row.tenant}): ${err.code}`);
        }
      }
    } finally {
      await pglite.close();
    }
  },
};
export default section;
