/**
 * Rotating a master key without losing data, on PGlite (no server, no environment):
 * encrypt a column under key A, add key B and make it primary, rewrap the column (interrupting
 * and resuming once, as `moatkit rewrap` does on Ctrl-C), then retire key A once nothing
 * depends on it.
 *
 *   npx tsx examples/envelope-rotation.ts
 */
import { PGlite } from "@electric-sql/pglite";
import { isMoatError } from "moatkit";
import { fromPglite } from "moatkit/adapters/postgres";
import { createEnvelope, generateMasterKey, parseMasterKeys, rewrapColumn } from "moatkit/crypto";

const keyA = generateMasterKey({ id: "k2025" }).entry.reveal();
const keyB = generateMasterKey({ id: "k2026" }).entry.reveal();
const context = (id: number) => ({ table: "integrations", column: "api_key", rowId: id });

const pglite = await PGlite.create();
try {
  const db = fromPglite(pglite);
  await db.exec("CREATE TABLE integrations (id integer PRIMARY KEY, api_key text NOT NULL)");

  // 1. Today: MOATKIT_MASTER_KEYS="k2025:…"
  const before = createEnvelope({ keyring: parseMasterKeys(keyA) });
  for (let id = 1; id <= 50; id++) {
    await db.query("INSERT INTO integrations VALUES ($1, $2)", [
      id,
      await before.encrypt(`sk_live_${String(id)}`, { context: context(id) }),
    ]);
  }
  console.log("50 values encrypted under k2025");

  // 2. Deploy B after A everywhere, then B first: "k2026:…,k2025:…". New writes use B; A still decrypts.
  const during = createEnvelope({ keyring: parseMasterKeys(`${keyB},${keyA}`) });
  const options = {
    table: "integrations",
    column: "api_key",
    idColumn: "id",
    context: (row: Record<string, unknown>) => context(Number(row.id)),
    batchSize: 10,
  };

  // 3. Rewrap the column. Stop after the second batch, as Ctrl-C does, then resume.
  const stop = new AbortController();
  let batches = 0;
  const onProgress = () => {
    if (++batches === 2) stop.abort();
  };
  try {
    await rewrapColumn(during, db, { ...options, signal: stop.signal, onProgress });
    throw new Error("expected the run to stop after two batches");
  } catch (err) {
    if (!isMoatError(err, "ERR_ABORTED")) throw err;
    console.log(`interrupted: ${JSON.stringify(err.details)}`); // lastId says where it stopped
  }
  const done = await rewrapColumn(during, db, options); // a rerun skips what is already under k2026
  console.log(
    `resumed: rewrapped ${String(done.rewrapped)}, already current ${String(done.alreadyCurrent)}, per key ${JSON.stringify(done.remainingByKeyId)}`,
  );

  // 4. Nothing depends on k2025 any more (and nothing failed): it can be removed.
  if (done.failed !== 0 || (done.remainingByKeyId.k2025 ?? 0) !== 0) throw new Error("k2025 is still needed");
  const after = createEnvelope({ keyring: parseMasterKeys(keyB) });
  const { rows } = await db.query<{ id: number; api_key: string }>("SELECT id, api_key FROM integrations ORDER BY id");
  for (const row of rows) {
    if ((await after.decryptString(row.api_key, { context: context(row.id) })) !== `sk_live_${String(row.id)}`)
      throw new Error(`row ${String(row.id)} changed`);
  }
  console.log(`all ${String(rows.length)} values decrypt with k2026 alone: k2025 retired`);
} finally {
  await pglite.close();
}
