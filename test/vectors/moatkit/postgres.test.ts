/**
 * The stored data key records of data-keys.json as Postgres rows: moatkit's Postgres store writes
 * exactly the committed columns, and values whose data key rows another implementation inserted
 * with plain SQL decrypt.
 */
import { describe, expect, it } from "vitest";
import { describePostgres, useMigratedDatabase } from "../../helpers/postgres.js";
import type { RecordJson } from "./build.js";
import {
  type AeadAlgorithm,
  type EncryptionContext,
  envelopeRun,
  hex,
  putPostgresDataKey,
  readVectors,
  unhex,
} from "./fixtures.js";

type Rows = { moatkit_data_keys: Record<string, string>; moatkit_data_key_current: Record<string, string> };
interface DataKeysFile {
  records: { case: string; record: RecordJson; rows: Rows }[];
}
interface EnvelopeFile {
  cases: {
    name: string;
    algorithm: AeadAlgorithm;
    tenantId: string | null;
    context: EncryptionContext;
    plaintextHex: string;
    token: string;
  }[];
}

const dataKeys = readVectors("data-keys.json") as DataKeysFile;
const envelope = readVectors("envelope-v1.json") as EnvelopeFile;

const SELECT_ROW = `SELECT id, scope, master_key_id, '\\x' || encode(wrapped_key, 'hex') AS wrapped_key,
  to_char(created_at AT TIME ZONE 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') AS created_at FROM moatkit_data_keys WHERE id = $1`;

describePostgres("data key rows", (target) => {
  describe("written by moatkit", () => {
    const client = useMigratedDatabase(target);
    it.each(dataKeys.records.map((r) => [r.case, r] as const))("%s", async (_name, r) => {
      await putPostgresDataKey(client(), { ...r.record, wrappedKey: unhex(r.record.wrappedKey) });
      const { rows } = await client().query<Record<string, string>>(SELECT_ROW, [r.record.id]);
      expect(rows).toEqual([r.rows.moatkit_data_keys]);
      const current = await client().query<Record<string, string>>(
        "SELECT scope, data_key_id FROM moatkit_data_key_current WHERE scope = $1",
        [r.record.scope],
      );
      expect(current.rows).toEqual([r.rows.moatkit_data_key_current]);
    });
  });

  describe("inserted with plain SQL", () => {
    const client = useMigratedDatabase(target);
    it("moatkit decrypts the committed values through them", async () => {
      for (const r of dataKeys.records) {
        const row = r.rows.moatkit_data_keys;
        await client().query(
          "INSERT INTO moatkit_data_keys (id, scope, master_key_id, wrapped_key, created_at) VALUES ($1, $2, $3, decode($4, 'hex'), $5::timestamptz)",
          [row.id, row.scope, row.master_key_id, (row.wrapped_key ?? "").slice(2), row.created_at],
        );
      }
      for (const r of dataKeys.records) {
        const c = envelope.cases.find((e) => e.name === r.case);
        if (c === undefined) throw new Error(`no envelope case ${r.case}`);
        const run = await envelopeRun({ backend: "noble", algorithm: c.algorithm, mode: "stored", client: client() });
        expect(hex(await run.decrypt(c.token, c.context, c.tenantId ?? undefined))).toBe(c.plaintextHex);
      }
    });
  });
});
