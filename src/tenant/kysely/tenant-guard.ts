/**
 * The app-level twin of row-level security: a Kysely plugin that rewrites every query touching
 * a tenant table so it can only reach the current tenant's rows, for code paths that do not
 * run under `withTenantTransaction` (or as a second wall when they do).
 */
import {
  BinaryOperationNode,
  ColumnNode,
  DefaultInsertValueNode,
  InsertQueryNode,
  type JoinNode,
  OnNode,
  OperationNodeTransformer,
  OperatorNode,
  PrimitiveValueListNode,
  ReferenceNode,
  type TableNode,
  ValueListNode,
  ValueNode,
  ValuesNode,
  WhereNode,
} from "kysely";
import type {
  ColumnUpdateNode,
  DeleteQueryNode,
  KyselyPlugin,
  MergeQueryNode,
  OperationNode,
  PluginTransformQueryArgs,
  PluginTransformResultArgs,
  QueryId,
  QueryResult,
  RootOperationNode,
  SelectQueryNode,
  UnknownRow,
  UpdateQueryNode,
  WithNode,
} from "kysely";
import { z } from "zod";
import { parseOptions } from "../../_internal/options.js";
import { MoatError } from "../../errors.js";
import { activeTenant } from "../context.js";
import {
  ON_JOINS,
  WHERE_JOINS,
  type TableSpec,
  type TableUse,
  columnName,
  cteNames,
  flatten,
  isExcludedColumn,
  tableSpec,
  tableUse,
  withCondition,
} from "./operation-nodes.js";

/** Options of {@link tenantGuard}. */
export interface TenantGuardOptions {
  /**
   * The tenant tables: `"invoices"` (any schema) or `"billing.invoices"`. Every query that
   * reads or writes one of them is confined to the current tenant.
   */
  readonly tables: readonly string[];
  /** The tenant column in those tables. Default `tenant_id`. */
  readonly column?: string;
}

const IDENT = "[A-Za-z_][A-Za-z0-9_]{0,62}";
const optionsSchema = z.strictObject({
  tables: z
    .array(z.string().regex(new RegExp(`^(?:${IDENT}\\.)?${IDENT}$`)))
    .min(1)
    .max(10_000),
  column: z
    .string()
    .regex(new RegExp(`^${IDENT}$`))
    .default("tenant_id"),
});

function scopeError(message: string): MoatError {
  return new MoatError("ERR_TENANT_SCOPE", { message });
}

class TenantGuardTransformer extends OperationNodeTransformer {
  readonly #specs: readonly TableSpec[];
  readonly #column: string;
  readonly #guarded: WeakMap<OperationNode, string>;
  /** The CTE names in scope, one frame per query with a WITH; `owner` is that WITH. */
  readonly #ctes: { readonly owner: WithNode | undefined; readonly names: ReadonlySet<string> }[] = [];
  #tenantId: string | undefined;
  /** How many times the tenant id was used, to tell which subtrees involve a tenant table. */
  #uses = 0;

  constructor(specs: readonly TableSpec[], column: string, guarded: WeakMap<OperationNode, string>) {
    super();
    this.#specs = specs;
    this.#column = column;
    this.#guarded = guarded;
  }

  /**
   * Kysely applies plugins to a subquery when it is embedded in another query, and again to
   * the whole query: a node this plugin already confined is passed through — unless it was
   * confined for another tenant, which means it was built in one context and run in another.
   */
  #once<T extends OperationNode>(node: T, transform: () => T): T {
    const confinedTo = this.#guarded.get(node);
    if (confinedTo !== undefined) {
      if (confinedTo !== this.#tenant())
        throw scopeError("a query built for one tenant ran in another tenant's context");
      return node;
    }
    const usesBefore = this.#uses;
    const out = transform();
    if (this.#tenantId !== undefined && this.#uses > usesBefore) this.#guarded.set(out, this.#tenantId);
    return out;
  }

  /** The current tenant, read once per query and only if the query touches a tenant table. */
  #tenant(): string {
    this.#uses++;
    if (this.#tenantId === undefined) {
      const ctx = activeTenant();
      if (ctx === undefined) throw scopeError("a tenant table was queried without a tenant context");
      this.#tenantId = ctx.tenantId;
    }
    return this.#tenantId;
  }

  /**
   * In FROM, JOIN and USING, an unqualified name that a CTE in scope defines is that CTE, not the
   * table (which CTEs are in scope follows Postgres's rules, see transformWith). A qualified name
   * is never a CTE, nor is the target of INSERT, UPDATE, DELETE or MERGE: Postgres resolves a
   * target to the real table whatever the WITH says.
   */
  #isTenantTable(use: TableUse, target: boolean): boolean {
    if (!target && use.schema === undefined && this.#ctes.some((scope) => scope.names.has(use.name))) return false;
    return this.#specs.some(
      (s) => s.name === use.name && (s.schema === undefined || use.schema === undefined || s.schema === use.schema),
    );
  }

  #tenantUse(node: OperationNode, target = false): TableUse | undefined {
    const use = tableUse(node);
    return use !== undefined && this.#isTenantTable(use, target) ? use : undefined;
  }

  #filter(qualifier: TableNode): OperationNode {
    return BinaryOperationNode.create(
      ReferenceNode.create(ColumnNode.create(this.#column), qualifier),
      OperatorNode.create("="),
      ValueNode.create(this.#tenant()),
    );
  }

  #matchesTenant(value: unknown): boolean {
    const tenant = this.#tenant();
    if (typeof value === "string") return value === tenant;
    return (typeof value === "number" || typeof value === "bigint") && String(value) === tenant;
  }

  /** Runs `fn` with `names` (by default every CTE of the query's WITH) in scope. */
  #inScope<T>(withNode: WithNode | undefined, fn: () => T, names: readonly string[] = cteNames(withNode)): T {
    this.#ctes.push({ owner: withNode, names: new Set(names) });
    try {
      return fn();
    } finally {
      this.#ctes.pop();
    }
  }

  /**
   * Postgres's scoping of CTE bodies: in a plain WITH, a CTE's body sees only the CTEs declared
   * before it — its own name and later ones are the real tables, so they stay guarded. With
   * RECURSIVE, every CTE of the list is visible in every body.
   */
  protected override transformWith(node: WithNode, queryId?: QueryId): WithNode {
    const names = cteNames(node);
    // The owning query's frame (every name, for its main statement) is set aside meanwhile.
    const saved = this.#ctes.at(-1)?.owner === node ? this.#ctes.pop() : undefined;
    try {
      const expressions = node.expressions.map((cte, i) =>
        this.#inScope(
          node,
          () => this.transformCommonTableExpression(cte, queryId),
          node.recursive === true ? names : names.slice(0, i),
        ),
      );
      return Object.freeze({ ...node, expressions: Object.freeze(expressions) });
    } finally {
      if (saved !== undefined) this.#ctes.push(saved);
    }
  }

  /**
   * Filters for a statement's targets, the tables it reads (FROM, USING) and its joins: WHERE filters
   * returned, ON filters put into the joins. Right and full joins preserve rows of both sides,
   * so neither ON nor WHERE confines them without changing the query: they are refused.
   */
  #scope(
    targets: readonly OperationNode[],
    tables: readonly OperationNode[],
    joins: readonly JoinNode[] | undefined,
  ): { where: OperationNode[]; joins: readonly JoinNode[] | undefined } {
    const where: OperationNode[] = [];
    const uses = [...targets.map((t) => this.#tenantUse(t, true)), ...tables.map((t) => this.#tenantUse(t))];
    for (const use of uses) if (use !== undefined) where.push(this.#filter(use.qualifier));
    const touchesTenant = where.length > 0 || (joins ?? []).some((j) => this.#tenantUse(j.table) !== undefined);
    const newJoins = joins?.map((j) => {
      if (touchesTenant && !ON_JOINS.has(j.joinType) && !WHERE_JOINS.has(j.joinType)) {
        throw scopeError(
          "right, full and outer-apply joins cannot be confined to a tenant; use row-level security for this query",
        );
      }
      const use = this.#tenantUse(j.table);
      if (use === undefined) return j;
      if (WHERE_JOINS.has(j.joinType)) {
        where.push(this.#filter(use.qualifier));
        return j;
      }
      const on = withCondition(j.on?.on, [this.#filter(use.qualifier)]);
      return on === undefined ? j : Object.freeze({ ...j, on: OnNode.create(on) });
    });
    return { where, joins: newJoins };
  }

  /** `query` with the filters for its `targets`, the `tables` it reads, and its joins added. */
  #confine<T extends { readonly where?: WhereNode; readonly joins?: readonly JoinNode[] }>(
    query: T,
    targets: readonly OperationNode[],
    tables: readonly OperationNode[],
  ): T {
    const scope = this.#scope(targets, tables, query.joins);
    const where = withCondition(query.where?.where, scope.where);
    return Object.freeze({
      ...query,
      ...(scope.joins === undefined ? {} : { joins: scope.joins }),
      ...(where === undefined ? {} : { where: WhereNode.create(where) }),
    });
  }

  /** In ON CONFLICT DO UPDATE, `excluded.<column>` is the inserted row's value, already checked. */
  #checkUpdates(updates: readonly ColumnUpdateNode[] | undefined, onConflict = false): void {
    for (const u of updates ?? []) {
      if (columnName(u.column) !== this.#column) continue;
      if (onConflict && isExcludedColumn(u.value, this.#column)) continue;
      if (!ValueNode.is(u.value) || !this.#matchesTenant(u.value.value)) {
        throw scopeError("a query sets the tenant column to another tenant");
      }
    }
  }

  protected override transformSelectQuery(node: SelectQueryNode, queryId?: QueryId): SelectQueryNode {
    return this.#once(node, () =>
      this.#inScope(node.with, () => {
        const t = super.transformSelectQuery(node, queryId);
        return this.#confine(t, [], t.from?.froms ?? []);
      }),
    );
  }

  protected override transformUpdateQuery(node: UpdateQueryNode, queryId?: QueryId): UpdateQueryNode {
    return this.#once(node, () =>
      this.#inScope(node.with, () => {
        const t = super.transformUpdateQuery(node, queryId);
        const targets = flatten(t.table);
        if (targets.some((x) => this.#tenantUse(x, true) !== undefined)) this.#checkUpdates(t.updates);
        return this.#confine(t, targets, t.from?.froms ?? []);
      }),
    );
  }

  protected override transformDeleteQuery(node: DeleteQueryNode, queryId?: QueryId): DeleteQueryNode {
    return this.#once(node, () =>
      this.#inScope(node.with, () => {
        const t = super.transformDeleteQuery(node, queryId);
        return this.#confine(t, t.from.froms, t.using?.tables ?? []);
      }),
    );
  }

  protected override transformInsertQuery(node: InsertQueryNode, queryId?: QueryId): InsertQueryNode {
    return this.#once(node, () =>
      this.#inScope(node.with, () => {
        const t = super.transformInsertQuery(node, queryId);
        if (t.into === undefined) return t;
        const use = this.#tenantUse(t.into, true);
        if (use === undefined) return t;
        if (t.onDuplicateKey !== undefined || t.replace === true) {
          throw scopeError("REPLACE and ON DUPLICATE KEY cannot be confined to a tenant");
        }
        const tenant = this.#tenant();
        let columns = t.columns ?? [];
        let values: OperationNode | undefined = t.values;
        if (values === undefined || t.defaultValues === true) {
          columns = [ColumnNode.create(this.#column)];
          values = ValuesNode.create([PrimitiveValueListNode.create([tenant])]);
        } else if (!ValuesNode.is(values)) {
          // INSERT … SELECT: the tenant column's values are not known until the query runs.
          throw scopeError("INSERT … SELECT into a tenant table cannot be checked; insert values instead");
        } else {
          const index = columns.findIndex((c) => c.column.name === this.#column);
          if (index === -1) {
            columns = [...columns, ColumnNode.create(this.#column)];
            values = ValuesNode.create(
              values.values.map((row) =>
                PrimitiveValueListNode.is(row)
                  ? PrimitiveValueListNode.create([...row.values, tenant])
                  : ValueListNode.create([...row.values, ValueNode.create(tenant)]),
              ),
            );
          } else {
            values = ValuesNode.create(values.values.map((row) => this.#checkRow(row, index)));
          }
        }
        let onConflict = t.onConflict;
        if (onConflict?.updates !== undefined) {
          // DO UPDATE acts on the row already there, which may belong to another tenant.
          this.#checkUpdates(onConflict.updates, true);
          const where = withCondition(onConflict.updateWhere?.where, [this.#filter(use.qualifier)]);
          if (where !== undefined) onConflict = Object.freeze({ ...onConflict, updateWhere: WhereNode.create(where) });
        }
        return InsertQueryNode.cloneWith(t, {
          columns,
          values,
          defaultValues: false,
          ...(onConflict === undefined ? {} : { onConflict }),
        });
      }),
    );
  }

  #checkRow(row: PrimitiveValueListNode | ValueListNode, index: number): PrimitiveValueListNode | ValueListNode {
    if (PrimitiveValueListNode.is(row)) {
      if (!this.#matchesTenant(row.values[index])) throw scopeError("an insert writes another tenant's id");
      return row;
    }
    const cell = row.values[index];
    if (cell !== undefined && DefaultInsertValueNode.is(cell)) {
      // Kysely pads rows of a multi-row insert with DEFAULT where one omits the column.
      return ValueListNode.create(row.values.map((v, i) => (i === index ? ValueNode.create(this.#tenant()) : v)));
    }
    if (cell === undefined || !ValueNode.is(cell) || !this.#matchesTenant(cell.value)) {
      throw scopeError("an insert writes another tenant's id");
    }
    return row;
  }

  protected override transformMergeQuery(node: MergeQueryNode, queryId?: QueryId): MergeQueryNode {
    return this.#inScope(node.with, () => {
      const t = super.transformMergeQuery(node, queryId);
      const using = t.using?.table;
      if (
        this.#tenantUse(t.into, true) !== undefined ||
        (using !== undefined && this.#tenantUse(using) !== undefined)
      ) {
        throw scopeError("MERGE on a tenant table cannot be confined to a tenant; use row-level security for it");
      }
      return t;
    });
  }
}

/**
 * A Kysely plugin that confines every query on the given tenant tables to the current tenant
 * (from `runWithTenant`): it adds `<table>.<column> = $tenant` to SELECT, UPDATE and DELETE
 * (in WHERE, or in the ON clause of a join), fills the column on INSERT, and limits
 * `ON CONFLICT DO UPDATE` to the tenant's rows. It throws `ERR_TENANT_SCOPE` when such a query
 * runs without a tenant context, writes another tenant's id into the column, or has a shape
 * it cannot confine (INSERT … SELECT, RIGHT/FULL joins, MERGE). Queries on other tables pass
 * unchanged and need no context. The tenant id is always a bound parameter. A CTE named like a
 * tenant table stands for it only where Postgres resolves the name to the CTE.
 *
 * Raw SQL (`sql\`…\``) is not inspected: pair the guard with row-level security.
 *
 * @throws MoatError `ERR_CONFIG` on invalid options.
 * @example
 * ```ts
 * import { Kysely, PostgresDialect } from "kysely";
 * import { tenantGuard } from "moatkit/tenant/kysely";
 * const db = new Kysely<DB>({ dialect, plugins: [tenantGuard({ tables: ["projects", "tasks"] })] });
 * await runWithTenant(ctx, () => db.selectFrom("projects").selectAll().execute()); // ctx's rows only
 * ```
 */
export function tenantGuard(options: TenantGuardOptions): KyselyPlugin {
  const o = parseOptions(optionsSchema, options, "tenantGuard options");
  const specs = o.tables.map(tableSpec);
  const guarded = new WeakMap<OperationNode, string>();
  return {
    transformQuery(args: PluginTransformQueryArgs): RootOperationNode {
      return new TenantGuardTransformer(specs, o.column, guarded).transformNode(args.node, args.queryId);
    },
    transformResult(args: PluginTransformResultArgs): Promise<QueryResult<UnknownRow>> {
      return Promise.resolve(args.result);
    },
  };
}
