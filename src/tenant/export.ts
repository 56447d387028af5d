import { z } from "zod";
import { parseInput } from "../_internal/options.js";
import type { SqlClient } from "../sql/sql-client.js";
import { MoatError } from "../errors.js";
import { assertSqlClient } from "./client.js";
import { idSchema } from "./context.js";
import { dataOptionsShape, enterTenantScope, type TenantDataOptions } from "./data-scope.js";
import { planTenantTables } from "./tenant-graph.js";

/** Options of {@link exportTenant}. */
export interface ExportTenantOptions extends TenantDataOptions {
  /** Rows fetched per round trip. Default 500. */
  readonly batchSize?: number;
}

const optionsSchema = z.strictObject({
  ...dataOptionsShape,
  batchSize: z.number().int().min(1).max(100_000).default(500),
});

// Thrown into the producer when the consumer stops early; it only ever ends the transaction.
const STOP = new Error("export stopped by its consumer");

/**
 * Streams a tenant's data (GDPR export) as NDJSON: one line per row,
 * `{"table":"tasks","row":{…}}\n`, for every table with the tenant column in `schema` and every
 * table that references them through foreign keys, transitively — parents before children, so
 * the lines can be loaded back in order. Rows are rendered by Postgres (`row_to_json`, time
 * zone UTC), so numbers keep every digit and timestamps and bytea read the same on every driver.
 *
 * Everything is read through a cursor in one REPEATABLE READ, READ ONLY transaction: a
 * consistent snapshot, in constant memory, pulled as fast as the consumer reads. Stopping early
 * (`break`, a destroyed stream) ends the transaction. On PGlite the transaction holds the only
 * connection until the export is consumed or stopped.
 *
 * @throws MoatError `ERR_INVALID_INPUT` on a bad id or options (at call time); while iterating,
 *   `ERR_UNSUPPORTED` for a cycle of foreign keys and `ERR_STORE` when a query fails.
 * @example
 * ```ts
 * import { Readable } from "node:stream";
 * import { pipeline } from "node:stream/promises";
 * import { createWriteStream } from "node:fs";
 * import { exportTenant } from "moatkit/tenant";
 * await pipeline(Readable.from(exportTenant(db, "t_42")), createWriteStream("t_42.ndjson"));
 * ```
 */
export function exportTenant(
  client: SqlClient,
  tenantId: string,
  options?: ExportTenantOptions,
): AsyncIterable<string> {
  assertSqlClient(client);
  const id = parseInput(idSchema, tenantId, "tenant id");
  const o = parseInput(optionsSchema, options === undefined ? {} : options, "exportTenant options");

  async function produce(tx: SqlClient, emit: (lines: string[]) => Promise<void>): Promise<void> {
    await tx.query("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY");
    // row_to_json renders timestamptz in the session time zone; UTC makes exports comparable.
    await tx.query("SET LOCAL TIME ZONE 'UTC'");
    await enterTenantScope(tx, id, o);
    for (const t of await planTenantTables(tx, o.schema, o.tenantColumn)) {
      const prefix = `{"table":${JSON.stringify(t.table)},"row":`;
      await tx.query(
        `DECLARE moatkit_export NO SCROLL CURSOR FOR SELECT row_to_json(r)::text AS j FROM ${t.sql} AS r WHERE ${t.where}`,
        [id],
      );
      for (;;) {
        const { rows } = await tx.query<{ j: string }>(`FETCH FORWARD ${String(o.batchSize)} FROM moatkit_export`);
        if (rows.length === 0) break;
        await emit(rows.map((r) => `${prefix}${r.j}}\n`));
      }
      await tx.query("CLOSE moatkit_export");
    }
  }

  return {
    [Symbol.asyncIterator]: () => pullThroughTransaction(client, produce),
  };
}

/** State shared by the two sides of {@link pullThroughTransaction}. */
interface Handoff {
  /** The batch waiting for the consumer. */
  batch: string[] | undefined;
  /** The transaction has ended (committed, rolled back or failed). */
  finished: boolean;
  /** Why it failed, when it did (other than being stopped). */
  failure: { error: unknown } | undefined;
  /** The consumer has stopped reading. */
  stopped: boolean;
  wakeConsumer: (() => void) | undefined;
  wakeProducer: (() => void) | undefined;
}

/**
 * Bridges a transaction (which lives inside a callback) to an async iterator (which the
 * consumer drives): the producer hands over one batch at a time and waits until the consumer
 * has taken all of it, so at most one batch is held in memory.
 */
async function* pullThroughTransaction(
  client: SqlClient,
  produce: (tx: SqlClient, emit: (lines: string[]) => Promise<void>) => Promise<void>,
): AsyncGenerator<string, void, undefined> {
  const h: Handoff = {
    batch: undefined,
    finished: false,
    failure: undefined,
    stopped: false,
    wakeConsumer: undefined,
    wakeProducer: undefined,
  };
  // Read through functions: the other side changes these while this side awaits.
  const stopped = (): boolean => h.stopped;
  const waiting = (): boolean => h.batch === undefined && !h.finished;
  const wakeConsumer = (): void => {
    h.wakeConsumer?.();
    h.wakeConsumer = undefined;
  };
  const wakeProducer = (): void => {
    h.wakeProducer?.();
    h.wakeProducer = undefined;
  };

  const emit = async (lines: string[]): Promise<void> => {
    if (stopped()) throw STOP;
    h.batch = lines;
    wakeConsumer();
    await new Promise<void>((resolve) => {
      h.wakeProducer = resolve;
    });
    if (stopped()) throw STOP;
  };

  const done = client
    .transaction((tx) => produce(tx, emit))
    .then(
      () => {
        h.finished = true;
        wakeConsumer();
      },
      (error: unknown) => {
        if (error !== STOP) h.failure = { error };
        h.finished = true;
        wakeConsumer();
      },
    );

  try {
    for (;;) {
      while (waiting()) {
        await new Promise<void>((resolve) => {
          h.wakeConsumer = resolve;
        });
      }
      const lines = h.batch;
      if (lines !== undefined) {
        h.batch = undefined;
        yield* lines;
        wakeProducer();
        continue;
      }
      if (h.failure !== undefined) {
        const { error } = h.failure;
        if (error instanceof MoatError) throw error;
        throw new MoatError("ERR_STORE", { message: "exportTenant failed", cause: error });
      }
      return;
    }
  } finally {
    if (!h.finished) {
      h.stopped = true;
      wakeProducer();
    }
    await done;
  }
}
