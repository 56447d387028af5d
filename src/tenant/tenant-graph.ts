/**
 * Which tables hold a tenant's rows, how to select them, and in which order to delete them:
 * the tables with the tenant column, plus every table that references them through foreign
 * keys, transitively (a task's comments belong to the task's tenant). Only the referencing
 * direction is followed: a tenant row that points at a shared table (`users`, `countries`) does
 * not make that table's rows the tenant's.
 */
import type { SqlClient } from "../sql/sql-client.js";
import { MoatError } from "../errors.js";
import { qualifiedName, quoteIdent } from "./identifiers.js";

/** One table of a tenant's data. */
interface TenantTable {
  /** The table name (unquoted). */
  readonly table: string;
  /** `"schema"."table"`. */
  readonly sql: string;
  /**
   * A condition on the table's own (unqualified) columns admitting exactly the tenant's rows;
   * the tenant id is `$1`.
   */
  readonly where: string;
}

interface TableRow {
  table: string;
  has_tenant: boolean;
}

interface ForeignKeyRow {
  child: string;
  parent: string;
  child_columns: string;
  parent_columns: string;
}

interface ForeignKey {
  readonly child: string;
  readonly parent: string;
  readonly childColumns: readonly string[];
  readonly parentColumns: readonly string[];
}

const TABLES_SQL = `SELECT c.relname AS "table", EXISTS (
    SELECT 1 FROM pg_catalog.pg_attribute a
    WHERE a.attrelid = c.oid AND a.attname = $2 AND a.attnum > 0 AND NOT a.attisdropped) AS has_tenant
FROM pg_catalog.pg_class c JOIN pg_catalog.pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = $1 AND c.relkind IN ('r', 'p') AND NOT c.relispartition
ORDER BY c.relname`;

// Column lists come back as JSON text so that pg and PGlite decode them the same way.
const FOREIGN_KEYS_SQL = `SELECT ch.relname AS child, pa.relname AS parent,
  (SELECT json_agg(a.attname ORDER BY k.i)::text FROM unnest(con.conkey) WITH ORDINALITY AS k(attnum, i)
     JOIN pg_catalog.pg_attribute a ON a.attrelid = con.conrelid AND a.attnum = k.attnum) AS child_columns,
  (SELECT json_agg(a.attname ORDER BY k.i)::text FROM unnest(con.confkey) WITH ORDINALITY AS k(attnum, i)
     JOIN pg_catalog.pg_attribute a ON a.attrelid = con.confrelid AND a.attnum = k.attnum) AS parent_columns
FROM pg_catalog.pg_constraint con
JOIN pg_catalog.pg_class ch ON ch.oid = con.conrelid JOIN pg_catalog.pg_namespace chn ON chn.oid = ch.relnamespace
JOIN pg_catalog.pg_class pa ON pa.oid = con.confrelid JOIN pg_catalog.pg_namespace pan ON pan.oid = pa.relnamespace
WHERE con.contype = 'f' AND con.conparentid = 0 AND chn.nspname = $1 AND pan.nspname = $1
ORDER BY ch.relname, con.conname`;

function parseColumns(json: string): string[] {
  const value: unknown = JSON.parse(json);
  if (!Array.isArray(value) || !value.every((v) => typeof v === "string")) {
    throw new MoatError("ERR_STORE", { message: "unexpected foreign key column list from the catalog" });
  }
  return value;
}

function columnList(columns: readonly string[]): string {
  const list = columns.map(quoteIdent).join(", ");
  return columns.length === 1 ? list : `(${list})`;
}

/** The tables in `schema` and the foreign keys among them, as the catalog reports them. */
async function readSchemaGraph(
  client: SqlClient,
  schema: string,
  tenantColumn: string,
): Promise<{ tables: TableRow[]; keys: ForeignKey[] }> {
  try {
    const tables = (await client.query<TableRow>(TABLES_SQL, [schema, tenantColumn])).rows;
    const keys = (await client.query<ForeignKeyRow>(FOREIGN_KEYS_SQL, [schema])).rows.map((r) => ({
      child: r.child,
      parent: r.parent,
      childColumns: parseColumns(r.child_columns),
      parentColumns: parseColumns(r.parent_columns),
    }));
    return { tables, keys };
  } catch (err) {
    if (err instanceof MoatError) throw err;
    throw new MoatError("ERR_STORE", { message: "could not read the schema's tables and foreign keys", cause: err });
  }
}

/**
 * Breadth-first from the tables with the tenant column: a table's depth is its distance from
 * them along "references" edges. Rows are selected only through edges to shallower tables, so
 * the conditions never recurse into themselves (self-references, cycles).
 */
function tenantDepths(tables: readonly TableRow[], keys: readonly ForeignKey[]): Map<string, number> {
  const depth = new Map<string, number>();
  for (const t of tables) if (t.has_tenant) depth.set(t.table, 0);
  let frontier = [...depth.keys()];
  for (let level = 1; frontier.length > 0; level++) {
    const next: string[] = [];
    for (const k of keys) {
      if (frontier.includes(k.parent) && !depth.has(k.child)) {
        depth.set(k.child, level);
        next.push(k.child);
      }
    }
    frontier = next;
  }
  return depth;
}

/**
 * Kahn's algorithm over every foreign key among the tenant's tables: a parent is emitted only
 * when all its (non-self) parents are, so reversing the list deletes children first.
 */
function parentsFirst(depth: ReadonlyMap<string, number>, keys: readonly ForeignKey[]): string[] {
  const members = [...depth.keys()].sort();
  const edges = keys.filter((k) => k.child !== k.parent && depth.has(k.child) && depth.has(k.parent));
  const ordered: string[] = [];
  const placed = new Set<string>();
  while (ordered.length < members.length) {
    const ready = members.filter((t) => !placed.has(t) && edges.every((e) => e.child !== t || placed.has(e.parent)));
    if (ready.length === 0) {
      const cycle = members.filter((t) => !placed.has(t));
      throw new MoatError("ERR_UNSUPPORTED", {
        message: "the tenant's tables reference each other in a cycle; no delete order satisfies every foreign key",
        details: { tables: cycle },
      });
    }
    for (const t of ready) {
      placed.add(t);
      ordered.push(t);
    }
  }
  return ordered;
}

/**
 * The tenant's tables in `schema`, parents before children (the export order). Reverse it to
 * delete. Throws ERR_UNSUPPORTED when the foreign keys among them form a cycle, since then no
 * delete order satisfies every constraint.
 */
export async function planTenantTables(
  client: SqlClient,
  schema: string,
  tenantColumn: string,
): Promise<TenantTable[]> {
  const { tables, keys } = await readSchemaGraph(client, schema, tenantColumn);
  const depth = tenantDepths(tables, keys);

  // A table's rows: its own tenant column at depth 0, else rows of a shallower parent.
  const where = new Map<string, string>();
  const conditionOf = (table: string): string => {
    const known = where.get(table);
    if (known !== undefined) return known;
    const d = depth.get(table) ?? 0;
    let condition: string;
    if (d === 0) {
      condition = `${quoteIdent(tenantColumn)} = $1`;
    } else {
      const via = keys.filter((k) => k.child === table && (depth.get(k.parent) ?? Infinity) < d);
      condition = via
        .map(
          (k) =>
            `${columnList(k.childColumns)} IN (SELECT ${k.parentColumns.map(quoteIdent).join(", ")} FROM ${qualifiedName(k.parent, schema)} WHERE ${conditionOf(k.parent)})`,
        )
        .join(" OR ");
      if (via.length > 1) condition = `(${condition})`;
    }
    where.set(table, condition);
    return condition;
  };

  return parentsFirst(depth, keys).map((table) => ({
    table,
    sql: qualifiedName(table, schema),
    where: conditionOf(table),
  }));
}
