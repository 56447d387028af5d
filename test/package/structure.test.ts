/**
 * The structure rules of docs/design.md and the 0.2 issue, kept true by a test: no source file over
 * 400 lines, and no function over 80 lines unless it is a factory (`create…` at the top level, whose
 * closure holds the methods it returns). Nested functions count on their own.
 */
import { readdirSync, readFileSync } from "node:fs";
import { join, relative } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";
import { describe, expect, it } from "vitest";

const SRC = fileURLToPath(new URL("../../src/", import.meta.url));
const MAX_FILE_LINES = 400;
const MAX_FUNCTION_LINES = 80;

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(path);
    return entry.name.endsWith(".ts") ? [path] : [];
  });
}

function lineCount(text: string): number {
  return text.split("\n").length - (text.endsWith("\n") ? 1 : 0);
}

function isFunctionLike(node: ts.Node): node is ts.FunctionLikeDeclaration {
  return (
    ts.isFunctionDeclaration(node) ||
    ts.isFunctionExpression(node) ||
    ts.isArrowFunction(node) ||
    ts.isMethodDeclaration(node) ||
    ts.isConstructorDeclaration(node) ||
    ts.isGetAccessorDeclaration(node) ||
    ts.isSetAccessorDeclaration(node)
  );
}

function functionName(node: ts.FunctionLikeDeclaration, file: ts.SourceFile): string {
  if (node.name !== undefined) return node.name.getText(file);
  const parent = node.parent;
  if (ts.isVariableDeclaration(parent) || ts.isPropertyAssignment(parent)) return parent.name.getText(file);
  return "<anonymous>";
}

/** Functions over the limit, as `file:line name (n lines)`, factories at the top level excepted. */
function longFunctions(path: string, text: string): string[] {
  const file = ts.createSourceFile(path, text, ts.ScriptTarget.Latest, true);
  const found: string[] = [];
  const visit = (node: ts.Node, nested: boolean): void => {
    if (isFunctionLike(node)) {
      const first = file.getLineAndCharacterOfPosition(node.getStart(file)).line;
      const last = file.getLineAndCharacterOfPosition(node.getEnd()).line;
      const name = functionName(node, file);
      const factory = !nested && /^create[A-Z]/.test(name);
      if (last - first + 1 > MAX_FUNCTION_LINES && !factory) {
        found.push(`${relative(SRC, path)}:${String(first + 1)} ${name} (${String(last - first + 1)} lines)`);
      }
      ts.forEachChild(node, (child) => {
        visit(child, true);
      });
      return;
    }
    ts.forEachChild(node, (child) => {
      visit(child, nested);
    });
  };
  visit(file, false);
  return found;
}

describe("source structure", () => {
  const files = sourceFiles(SRC).map((path) => ({ path, text: readFileSync(path, "utf8") }));

  it("finds the sources", () => {
    expect(files.length).toBeGreaterThan(100);
  });

  it(`has no source file over ${String(MAX_FILE_LINES)} lines`, () => {
    const long = files.filter((f) => lineCount(f.text) > MAX_FILE_LINES).map((f) => relative(SRC, f.path));
    expect(long).toEqual([]);
  });

  // Parses every source file: seconds of real work on a loaded machine, so not under the 5 s default.
  it(
    `has no function over ${String(MAX_FUNCTION_LINES)} lines outside a factory's closure`,
    { timeout: 60_000 },
    () => {
      expect(files.flatMap((f) => longFunctions(f.path, f.text))).toEqual([]);
    },
  );

  it("would report a long function (the check itself works)", () => {
    const body = Array.from({ length: MAX_FUNCTION_LINES }, (_, i) => `  const v${String(i)} = ${String(i)};`).join(
      "\n",
    );
    expect(longFunctions(join(SRC, "x.ts"), `function tooLong() {\n${body}\n}\n`)).toEqual([
      `x.ts:1 tooLong (${String(MAX_FUNCTION_LINES + 2)} lines)`,
    ]);
    expect(longFunctions(join(SRC, "x.ts"), `export function createThing() {\n${body}\n}\n`)).toEqual([]);
  });
});
