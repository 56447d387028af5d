/**
 * The TypeScript code blocks of README.md and docs/*.md, and a compiler for them.
 *
 * Every ```ts / ```typescript block is compiled as a module of its own, placed beside its
 * markdown file (so `./examples/…` imports resolve), with the repository's strict compiler
 * options. `moatkit` and `moatkit/<subpath>` resolve to one of:
 * - `src` (the default): each subpath of package.json `exports` maps to the source file its
 *   declaration file is built from (`./dist/x/index.d.ts` → `src/x/index.ts`), so `npm test` on a
 *   fresh clone checks the snippets without a build, and never against a stale `dist/`;
 * - `dist` (`MOATKIT_SNIPPETS_AGAINST=dist`, which `.ci/run` sets after building): no mapping at
 *   all, so `moatkit` resolves through package.json `exports` to the built `.d.ts` files exactly
 *   as it does for an installed package.
 *
 * A snippet may rely on names it does not define (`db`, `req`, a user's `pool`). Their types go
 * in an HTML comment right before the block, which readers of the rendered page do not see and
 * which is compiled in front of the block:
 *
 *     <!-- snippet
 *     import type { SqlClient } from "moatkit/adapters/postgres";
 *     declare const db: SqlClient;
 *     -->
 *
 * A block that cannot compile on purpose (a fragment, pseudo-code) is marked
 * `<!-- snippet nocompile: <why> -->`; the reason is required.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import ts from "typescript";

export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

export interface Snippet {
  /** The markdown file, relative to the repository root (`README.md`, `docs/format.md`). */
  readonly file: string;
  /** 1-based line of the first code line (the line after the opening fence). */
  readonly line: number;
  /** The block's code, its fence's indentation removed. */
  readonly code: string;
  /** Declarations compiled in front of the code, from a `<!-- snippet … -->` comment. */
  readonly context: string;
  /** 1-based line of the first context line. */
  readonly contextLine: number;
  /** Why the block is not compiled, when it is marked `nocompile`. */
  readonly nocompile: string | undefined;
  /** The heading the block appears under. */
  readonly heading: string;
}

/** README.md and every docs/*.md, in a stable order. */
export function markdownFiles(): string[] {
  const docs = existsSync(join(ROOT, "docs"))
    ? readdirSync(join(ROOT, "docs"))
        .filter((name) => name.endsWith(".md"))
        .sort()
        .map((name) => `docs/${name}`)
    : [];
  return ["README.md", ...docs];
}

const FENCE_RE = /^(\s*)(`{3,}|~{3,})\s*([^\s`]*)(.*)$/;
const TS_LANGUAGES = new Set(["ts", "typescript", "mts"]);

interface Directive {
  readonly context: string;
  readonly contextLine: number;
  readonly nocompile: string | undefined;
}

// The `<!-- snippet … -->` comment ending on the last non-blank line before `fenceIndex`, if any.
function directiveBefore(lines: readonly string[], fenceIndex: number, file: string): Directive | undefined {
  let end = fenceIndex - 1;
  while (end >= 0 && lines[end]?.trim() === "") end--;
  if (end < 0 || !(lines[end] ?? "").trim().endsWith("-->")) return undefined;
  let start = end;
  while (start >= 0 && !(lines[start] ?? "").includes("<!--")) start--;
  const first = (lines[start] ?? "").trim();
  if (start < 0 || !first.startsWith("<!-- snippet")) return undefined;
  const single = /^<!-- snippet nocompile:(.*)-->$/.exec(first);
  if (single !== null) return { context: "", contextLine: start + 1, nocompile: (single[1] ?? "").trim() };
  if (first !== "<!-- snippet" || (lines[end] ?? "").trim() !== "-->") {
    throw new Error(
      `${file}:${start + 1}: a snippet comment is "<!-- snippet nocompile: why -->" or "<!-- snippet", declarations, "-->"`,
    );
  }
  return { context: lines.slice(start + 1, end).join("\n"), contextLine: start + 2, nocompile: undefined };
}

/** Every TypeScript block of one markdown file. */
export function extractSnippets(file: string, text: string = readFileSync(join(ROOT, file), "utf8")): Snippet[] {
  const lines = text.split(/\r?\n/);
  const snippets: Snippet[] = [];
  let heading = "";
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] ?? "";
    const h = /^#{1,6}\s+(.*)$/.exec(line);
    if (h !== null) heading = (h[1] ?? "").trim();
    const open = FENCE_RE.exec(line);
    if (open === null) continue;
    const indent = (open[1] ?? "").length;
    const fence = open[2] ?? "";
    const language = (open[3] ?? "").toLowerCase();
    // A block ends at a fence of the same character at least as long as the one that opened it.
    const closing = new RegExp(`^\\s*${fence[0] === "`" ? "`" : "~"}{${String(fence.length)},}\\s*$`);
    let close = i + 1;
    while (close < lines.length && !closing.test(lines[close] ?? "")) close++;
    if (TS_LANGUAGES.has(language)) {
      const directive = directiveBefore(lines, i, file);
      const code = lines
        .slice(i + 1, close)
        .map((l) => l.slice(Math.min(indent, l.length - l.trimStart().length)))
        .join("\n");
      snippets.push({
        file,
        line: i + 2,
        code,
        context: directive?.context ?? "",
        contextLine: directive?.contextLine ?? i + 1,
        nocompile: directive?.nocompile,
        heading,
      });
    }
    i = close;
  }
  return snippets;
}

/** Every TypeScript block of README.md and docs/*.md. */
export function allSnippets(): Snippet[] {
  return markdownFiles().flatMap((file) => extractSnippets(file));
}

export type Target = "src" | "dist";

/** Where `moatkit` resolves: `MOATKIT_SNIPPETS_AGAINST=dist` or the sources. */
export function snippetTarget(): Target {
  const value = process.env.MOATKIT_SNIPPETS_AGAINST;
  if (value === undefined || value === "" || value === "src") return "src";
  if (value === "dist") return "dist";
  throw new Error(`MOATKIT_SNIPPETS_AGAINST must be "src" or "dist", not ${JSON.stringify(value)}`);
}

interface ExportEntry {
  readonly types?: string;
}

// package.json `exports` as tsconfig `paths` onto the sources: only what the package exports.
function sourcePaths(): Record<string, string[]> {
  const pkg = JSON.parse(readFileSync(join(ROOT, "package.json"), "utf8")) as {
    name: string;
    exports: Record<string, ExportEntry | string>;
  };
  const paths: Record<string, string[]> = {};
  for (const [subpath, entry] of Object.entries(pkg.exports)) {
    if (typeof entry === "string" || entry.types === undefined) continue;
    const source = entry.types.replace(/^\.\/dist\//, "./src/").replace(/\.d\.ts$/, ".ts");
    paths[subpath === "." ? pkg.name : `${pkg.name}/${subpath.slice(2)}`] = [source];
  }
  return paths;
}

function compilerOptions(target: Target): ts.CompilerOptions {
  const configPath = join(ROOT, "tsconfig.json");
  const config = ts.readConfigFile(configPath, (path) => ts.sys.readFile(path));
  if (config.error !== undefined) throw new Error(ts.flattenDiagnosticMessageText(config.error.messageText, "\n"));
  const parsed = ts.parseJsonConfigFileContent(config.config, ts.sys, ROOT, undefined, configPath);
  const options: ts.CompilerOptions = {
    ...parsed.options,
    noEmit: true,
    // A snippet shows a step; a value it makes and does not use again is not a mistake.
    noUnusedLocals: false,
    noUnusedParameters: false,
    // Every block is a module of its own, even one without imports, so blocks never share names.
    moduleDetection: ts.ModuleDetectionKind.Force,
  };
  delete options.paths;
  if (target === "src") options.paths = sourcePaths();
  return options;
}

/** The virtual file a snippet compiles as: beside its markdown file. */
export function snippetPath(snippet: Snippet): string {
  return join(ROOT, `${snippet.file}.${snippet.line}.snippet.ts`);
}

/** One compiler error, located in the markdown file. */
export interface SnippetError {
  readonly snippet: Snippet;
  /** `README.md:123:7`. */
  readonly location: string;
  /** `TS2345: Argument of type …`. */
  readonly message: string;
}

// Snippet text: the context lines, then the block's. Line n of the virtual file is a line of the
// markdown file: the context comes from `contextLine`, the code from `line`.
function sourceText(snippet: Snippet): { text: string; contextLines: number } {
  if (snippet.context === "") return { text: snippet.code, contextLines: 0 };
  return { text: `${snippet.context}\n${snippet.code}`, contextLines: snippet.context.split("\n").length };
}

function locate(snippet: Snippet, contextLines: number, line0: number, col0: number): string {
  const line = line0 < contextLines ? snippet.contextLine + line0 : snippet.line + line0 - contextLines;
  return `${snippet.file}:${line}:${col0 + 1}`;
}

/**
 * Compiles `snippets` in one program and returns each one's errors (empty when it compiles).
 */
export function compileSnippets(
  snippets: readonly Snippet[],
  target: Target = snippetTarget(),
): Map<Snippet, SnippetError[]> {
  if (target === "dist" && !existsSync(join(ROOT, "dist", "index.d.ts"))) {
    throw new Error("MOATKIT_SNIPPETS_AGAINST=dist needs a build: run `npm run build` first");
  }
  const options = compilerOptions(target);
  const virtual = new Map<string, { snippet: Snippet; text: string; contextLines: number }>();
  for (const snippet of snippets) virtual.set(snippetPath(snippet), { snippet, ...sourceText(snippet) });

  const host = ts.createCompilerHost(options, true);
  const getSourceFile = host.getSourceFile.bind(host);
  const fileExists = host.fileExists.bind(host);
  const readFile = host.readFile.bind(host);
  host.getSourceFile = (fileName, languageVersion, onError, shouldCreate) => {
    const v = virtual.get(resolve(fileName));
    return v === undefined
      ? getSourceFile(fileName, languageVersion, onError, shouldCreate)
      : ts.createSourceFile(fileName, v.text, languageVersion, true);
  };
  host.fileExists = (fileName) => virtual.has(resolve(fileName)) || fileExists(fileName);
  host.readFile = (fileName) => virtual.get(resolve(fileName))?.text ?? readFile(fileName);

  const program = ts.createProgram({ rootNames: [...virtual.keys()], options, host });
  const results = new Map<Snippet, SnippetError[]>();
  for (const [path, { snippet, contextLines }] of virtual) {
    const sourceFile = program.getSourceFile(path);
    if (sourceFile === undefined)
      throw new Error(`${snippet.file}:${snippet.line}: the compiler did not load the snippet`);
    const diagnostics = [...program.getSyntacticDiagnostics(sourceFile), ...program.getSemanticDiagnostics(sourceFile)];
    results.set(
      snippet,
      diagnostics.map((d) => {
        const { line, character } =
          d.start === undefined ? { line: 0, character: 0 } : sourceFile.getLineAndCharacterOfPosition(d.start);
        return {
          snippet,
          location: locate(snippet, contextLines, line, character),
          message: `TS${d.code}: ${ts.flattenDiagnosticMessageText(d.messageText, "\n  ")}`,
        };
      }),
    );
  }
  return results;
}

/** The file `specifier` resolves to from a snippet of README.md, relative to the repository. */
export function resolveFromReadme(specifier: string, target: Target = snippetTarget()): string | undefined {
  const resolved = ts.resolveModuleName(
    specifier,
    join(ROOT, "README.md.1.snippet.ts"),
    compilerOptions(target),
    ts.sys,
  ).resolvedModule;
  return resolved === undefined ? undefined : relative(ROOT, resolved.resolvedFileName);
}

/** `README.md:123:7 TS2345: …` lines, for failure messages. */
export function formatErrors(errors: readonly SnippetError[]): string {
  return errors.map((e) => `${e.location} ${e.message}`).join("\n");
}
