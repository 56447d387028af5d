/**
 * Every assertion of the conformance suites says in words what the store should have done: a
 * store author reading a failure must not be left with `false !== true`. This walks the suite
 * sources and reports each `assert.*` call that has no message argument.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SUITES = fileURLToPath(new URL("../../src/testing/suites/", import.meta.url));

/** Arguments an assertion takes before its message. */
const ARITY: Readonly<Record<string, number>> = {
  ok: 1,
  equal: 2,
  notEqual: 2,
  deepEqual: 2,
  notDeepEqual: 2,
  strictEqual: 2,
  notStrictEqual: 2,
  deepStrictEqual: 2,
  match: 2,
  fail: 0,
  rejects: 1,
  throws: 1,
};

/** A string literal, a template, a concatenation or a variable holding one. */
function isMessage(node: ts.Node | undefined): boolean {
  return (
    node !== undefined &&
    (ts.isStringLiteral(node) ||
      ts.isTemplateExpression(node) ||
      ts.isNoSubstitutionTemplateLiteral(node) ||
      ts.isBinaryExpression(node) ||
      ts.isIdentifier(node))
  );
}

/** `file:line assert.x` for each assertion without a message. */
export function unworded(path: string, text: string): string[] {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node): void => {
    if (ts.isCallExpression(node)) {
      const callee = node.expression;
      const method =
        ts.isPropertyAccessExpression(callee) && callee.expression.getText(file) === "assert"
          ? callee.name.text
          : ts.isIdentifier(callee) && callee.text === "assert"
            ? "ok"
            : undefined;
      if (method !== undefined) {
        const arity = ARITY[method];
        if (arity === undefined) throw new Error(`unknown assertion assert.${method} in ${path}`);
        const args = node.arguments;
        // rejects/throws take the message second or third: assert.rejects(p, "message").
        const worded =
          method === "rejects" || method === "throws"
            ? (args.length === 2 && isMessage(args[1])) || (args.length >= 3 && isMessage(args[2]))
            : args.length > arity && isMessage(args[arity]);
        if (!worded) {
          const line = file.getLineAndCharacterOfPosition(node.getStart(file)).line + 1;
          found.push(`${path.slice(SUITES.length)}:${String(line)} assert.${method}`);
        }
      }
    }
    ts.forEachChild(node, visit);
  };
  visit(file);
  return found;
}

describe("conformance suite assertions", () => {
  const files = readdirSync(SUITES)
    .filter((f) => f.endsWith(".ts"))
    .map((f) => join(SUITES, f));

  it("finds the suite sources", () => {
    expect(files.length).toBeGreaterThanOrEqual(8);
  });

  it("give every assertion a message saying what the store should have done", () => {
    expect(files.flatMap((path) => unworded(path, readFileSync(path, "utf8")))).toEqual([]);
  });

  it("would report an assertion without a message (the check itself works)", () => {
    const source = [
      "assert.equal(a, b);",
      'assert.equal(a, b, "a must equal b");',
      "assert.ok(x);",
      'assert.ok(x, "x must hold");',
      "await assert.rejects(p);",
      "await assert.rejects(p, (e) => true);",
      'await assert.rejects(p, (e) => true, "p must reject");',
      'await assert.rejects(p, "p must reject");',
    ].join("\n");
    expect(unworded(join(SUITES, "x.ts"), source)).toEqual([
      "x.ts:1 assert.equal",
      "x.ts:3 assert.ok",
      "x.ts:5 assert.rejects",
      "x.ts:6 assert.rejects",
    ]);
  });
});
