/**
 * Runs a documentation snippet as it is written. The block becomes a module whose imports stay
 * at the top and whose other statements form the body of an async function; the names its
 * `<!-- snippet … -->` comment declares (`db`, `auth`, …) are that function's inputs, and the
 * names the block defines at its top level come back as its result, for the test to check.
 * The module is written to a temporary folder and imported through vitest, so `moatkit/*`
 * resolves to the sources as it does in every other test.
 */
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import ts from "typescript";
import type { Snippet } from "./snippets.js";

function topLevelNames(source: ts.SourceFile, declaredOnly: boolean): string[] {
  const names: string[] = [];
  for (const statement of source.statements) {
    const declared =
      ts.canHaveModifiers(statement) &&
      (ts.getModifiers(statement) ?? []).some((m) => m.kind === ts.SyntaxKind.DeclareKeyword);
    if (ts.isFunctionDeclaration(statement) && statement.name !== undefined && (declared || !declaredOnly))
      names.push(statement.name.text);
    if (!ts.isVariableStatement(statement) || (declaredOnly && !declared)) continue;
    for (const d of statement.declarationList.declarations) if (ts.isIdentifier(d.name)) names.push(d.name.text);
  }
  return names;
}

/** The snippet as a runnable module's source, with what it needs and what it defines. */
export function snippetModule(snippet: Snippet): { source: string; inputs: string[]; outputs: string[] } {
  const code = ts.createSourceFile("snippet.ts", snippet.code, ts.ScriptTarget.ES2022, true);
  const context = ts.createSourceFile("context.ts", snippet.context, ts.ScriptTarget.ES2022, true);
  const imports = code.statements.filter(ts.isImportDeclaration).map((s) => s.getText(code));
  const body = code.statements.filter((s) => !ts.isImportDeclaration(s)).map((s) => s.getText(code));
  const inputs = topLevelNames(context, true);
  const outputs = topLevelNames(code, false);
  const source = [
    ...imports,
    `export default async function run({ ${inputs.join(", ")} }) {`,
    ...body,
    `  return { ${outputs.join(", ")} };`,
    "}",
  ].join("\n");
  return { source, inputs, outputs };
}

/** Runs `snippet` with `inputs` for the names its context declares; resolves with its top-level names. */
export async function runSnippet(
  snippet: Snippet,
  inputs: Readonly<Record<string, unknown>>,
): Promise<Record<string, unknown>> {
  const { source, inputs: needed } = snippetModule(snippet);
  const missing = needed.filter((name) => !(name in inputs));
  if (missing.length > 0) throw new Error(`${snippet.file}:${snippet.line} needs ${missing.join(", ")}`);
  const dir = mkdtempSync(join(tmpdir(), "moatkit-snippet-"));
  try {
    const file = join(dir, "snippet.ts");
    writeFileSync(file, source);
    const module = (await import(pathToFileURL(file).href)) as {
      default: (inputs: Readonly<Record<string, unknown>>) => Promise<Record<string, unknown>>;
    };
    return await module.default(inputs);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
