/**
 * `moatkit audit verify`: recomputes an organisation's audit hash chain from the rows in
 * Postgres (the store is not trusted), with progress. Exit 0 intact, 1 broken (with the first
 * sequence number that does not check out, the reason, and for an invalid prune anchor or an
 * edited query column a sentence naming it).
 */
import { readFile } from "node:fs/promises";
import { createPostgresAuditStore } from "../../adapters/postgres/audit-store.js";
import { createAuditLog } from "../../audit/log.js";
import type { AuditCheckpointKey } from "../../audit/checkpoint.js";
import { isMoatError } from "../../errors.js";
import { openDatabase, resolveDatabaseUrl } from "../database.js";
import { EXIT, UsageError, printErr, printOut } from "../output.js";
import { createProgress } from "../progress.js";
import { onInterrupt } from "../signals.js";

/** Options of `moatkit audit verify`. */
export interface AuditVerifyCommandOptions {
  readonly databaseUrl?: string;
  readonly org: string;
  readonly checkpointKey?: string;
  readonly checkpoints?: string;
  readonly legacyAnchor?: string;
}

async function readJsonFile(path: string, flag: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, "utf8");
  } catch {
    throw new UsageError(`${flag}: cannot read the file`);
  }
  try {
    return JSON.parse(text) as unknown;
  } catch {
    throw new UsageError(`${flag}: the file is not JSON (expected a public JWK or a JWK set)`);
  }
}

async function readLines(path: string, flag: string): Promise<string[]> {
  try {
    return (await readFile(path, "utf8"))
      .split("\n")
      .map((l) => l.trim())
      .filter((l) => l !== "");
  } catch {
    throw new UsageError(`${flag}: cannot read the file`);
  }
}

/** The pre-0.3.0 anchor the operator vouches for: the file's one JWS, surrounding whitespace removed. */
async function readLegacyAnchor(path: string): Promise<string> {
  const lines = await readLines(path, "--legacy-anchor");
  const jws = lines[0];
  if (lines.length !== 1 || jws === undefined || jws.length > 4096)
    throw new UsageError("--legacy-anchor: the file must hold exactly one JWS (the anchor prune returned)");
  return jws;
}

/** Runs `moatkit audit verify`; resolves to the exit status. */
export async function auditVerifyCommand(options: AuditVerifyCommandOptions): Promise<number> {
  if (options.org.length === 0 || options.org.length > 256)
    throw new UsageError("--org must be an organisation id of 1-256 characters");
  const url = resolveDatabaseUrl(options.databaseUrl);
  const checkpointKey =
    options.checkpointKey === undefined
      ? undefined
      : ((await readJsonFile(options.checkpointKey, "--checkpoint-key")) as AuditCheckpointKey);
  const checkpoints =
    options.checkpoints === undefined ? undefined : await readLines(options.checkpoints, "--checkpoints");
  if (checkpoints !== undefined && checkpointKey === undefined)
    throw new UsageError("--checkpoints needs --checkpoint-key");
  const legacyAnchor = options.legacyAnchor === undefined ? undefined : await readLegacyAnchor(options.legacyAnchor);
  if (legacyAnchor !== undefined && checkpointKey === undefined)
    throw new UsageError("--legacy-anchor needs --checkpoint-key");

  const interrupt = onInterrupt(() => {
    printErr("", "stopping");
  });
  const db = await openDatabase(url);
  try {
    const counted = await db.client.query<{ n: string | number }>(
      "SELECT count(*)::bigint AS n FROM moatkit_audit_events WHERE org_id = $1",
      [options.org],
    );
    const total = Number(counted.rows[0]?.n ?? 0);
    const log = createAuditLog({ store: createPostgresAuditStore({ client: db.client }) });
    const progress = createProgress({ label: "audit verify", total, unit: "events" });
    let result;
    try {
      result = await log.verify({
        orgId: options.org,
        ...(checkpointKey === undefined ? {} : { checkpointKey }),
        ...(checkpoints === undefined ? {} : { checkpoints }),
        ...(legacyAnchor === undefined ? {} : { legacyAnchor }),
        signal: interrupt.signal,
        onProgress: (p) => {
          progress.update(p.verified, `seq ${String(p.seq)}`);
        },
      });
    } catch (err) {
      progress.stop();
      if (isMoatError(err, "ERR_ABORTED")) {
        printOut("interrupted: the chain was not fully verified");
        return EXIT.interrupted;
      }
      throw err;
    }
    progress.stop();
    if (result.ok) {
      const head = result.head === null ? "" : `, head seq ${String(result.head.seq)} ${result.head.hash}`;
      printOut(`✓ audit chain of ${options.org} is intact: ${String(result.count)} events verified${head}`);
      return EXIT.ok;
    }
    const detail = result.detail === undefined ? "" : ` (${result.detail})`;
    printOut(`✗ audit chain of ${options.org} is broken at seq ${String(result.seq)}: ${result.reason}${detail}`);
    return EXIT.failure;
  } finally {
    interrupt.dispose();
    await db.close();
  }
}
