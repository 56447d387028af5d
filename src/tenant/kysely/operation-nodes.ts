/**
 * Small readers and builders over Kysely's operation nodes, used by the tenant guard: which table
 * a FROM/JOIN item names, how conditions combine, which column a reference is.
 */
import {
  AliasNode,
  AndNode,
  ColumnNode,
  IdentifierNode,
  ListNode,
  ParensNode,
  ReferenceNode,
  TableNode,
  type OperationNode,
  type WithNode,
} from "kysely";

/** A tenant table the guard protects. */
export interface TableSpec {
  readonly schema: string | undefined;
  readonly name: string;
}

/** `"invoices"` (any schema) or `"billing.invoices"`, as the guard's options name them. */
export function tableSpec(entry: string): TableSpec {
  const dot = entry.indexOf(".");
  return dot === -1 ? { schema: undefined, name: entry } : { schema: entry.slice(0, dot), name: entry.slice(dot + 1) };
}

/** A table in a FROM/JOIN/USING position, and the name its columns are qualified with. */
export interface TableUse {
  readonly schema: string | undefined;
  readonly name: string;
  readonly qualifier: TableNode;
}

// Joins whose ON clause can carry the filter without changing which rows the other side keeps.
export const ON_JOINS: ReadonlySet<string> = new Set(["InnerJoin", "LeftJoin", "LateralInnerJoin", "LateralLeftJoin"]);
// Joins with no ON clause, where the filter is equivalent in WHERE.
export const WHERE_JOINS: ReadonlySet<string> = new Set(["CrossJoin", "LateralCrossJoin", "CrossApply"]);

export function tableUse(node: OperationNode): TableUse | undefined {
  if (TableNode.is(node)) {
    return { schema: node.table.schema?.name, name: node.table.identifier.name, qualifier: node };
  }
  if (AliasNode.is(node) && TableNode.is(node.node) && IdentifierNode.is(node.alias)) {
    return {
      schema: node.node.table.schema?.name,
      name: node.node.table.identifier.name,
      qualifier: TableNode.create(node.alias.name),
    };
  }
  return undefined;
}

export function flatten(node: OperationNode | undefined): OperationNode[] {
  if (node === undefined) return [];
  return ListNode.is(node) ? [...node.items] : [node];
}

function and(nodes: readonly OperationNode[]): OperationNode | undefined {
  let out: OperationNode | undefined;
  for (const n of nodes) out = out === undefined ? n : AndNode.create(out, n);
  return out;
}

/** `existing AND filters`, with the existing condition parenthesised so an OR in it stays inside. */
export function withCondition(
  existing: OperationNode | undefined,
  filters: readonly OperationNode[],
): OperationNode | undefined {
  const added = and(filters);
  if (added === undefined) return existing;
  return existing === undefined ? added : AndNode.create(ParensNode.create(existing), added);
}

export function columnName(node: OperationNode): string | undefined {
  if (ColumnNode.is(node)) return node.column.name;
  if (ReferenceNode.is(node) && ColumnNode.is(node.column)) return node.column.column.name;
  return undefined;
}

export function isExcludedColumn(node: OperationNode, column: string): boolean {
  return ReferenceNode.is(node) && node.table?.table.identifier.name === "excluded" && columnName(node) === column;
}

/** The names a WITH clause defines, in order. A CTE name has no schema: Kysely quotes it whole. */
export function cteNames(withNode: WithNode | undefined): string[] {
  return (withNode?.expressions ?? []).map((cte) => cte.name.table.table.identifier.name);
}
