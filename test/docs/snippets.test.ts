/**
 * Every TypeScript block in README.md and docs/*.md compiles against moatkit's public API (see
 * ./snippets.ts for how blocks are found, what `<!-- snippet … -->` comments do, and what
 * `moatkit` resolves to). A failure names the block and each error as `file:line:column`.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { existsSync } from "node:fs";
import { join } from "node:path";
import {
  ROOT,
  allSnippets,
  compileSnippets,
  extractSnippets,
  formatErrors,
  resolveFromReadme,
  snippetTarget,
  type Snippet,
  type SnippetError,
} from "./snippets.js";

const snippets = allSnippets();
const compiled = snippets.filter((s) => s.nocompile === undefined);

describe(`documentation snippets compile (against ${snippetTarget()})`, () => {
  let results: Map<Snippet, SnippetError[]>;
  beforeAll(() => {
    results = compileSnippets(compiled);
  }, 180_000);

  it.each(compiled.map((s) => [`${s.file}:${s.line} (${s.heading})`, s] as const))("%s", (_name, snippet) => {
    const errors = results.get(snippet) ?? [];
    expect(errors.length, `\n${formatErrors(errors)}\n`).toBe(0);
  });
});

describe("documentation snippets: what moatkit resolves to", () => {
  it("maps every exported subpath to its source file, and nothing else", () => {
    expect(resolveFromReadme("moatkit", "src")).toBe("src/index.ts");
    expect(resolveFromReadme("moatkit/tenant/kysely", "src")).toBe("src/tenant/kysely/index.ts");
    // Not in package.json exports, so a snippet cannot reach it.
    expect(resolveFromReadme("moatkit/_internal/options", "src")).toBeUndefined();
  });

  const built = existsSync(join(ROOT, "dist", "index.d.ts"));
  const distTest = built
    ? "resolves through package.json exports to dist/"
    : "resolves to dist/ — skipped: dist/ is not built (npm run build; CI builds first)";
  it.runIf(built)(distTest, () => {
    expect(resolveFromReadme("moatkit", "dist")).toBe("dist/index.d.ts");
    expect(resolveFromReadme("moatkit/express", "dist")).toBe("dist/express/index.d.ts");
    expect(resolveFromReadme("moatkit/_internal/options", "dist")).toBeUndefined();
  });
});

describe("documentation snippets: the extractor", () => {
  it("finds the README's blocks and compiles nearly all of them", () => {
    expect(snippets.filter((s) => s.file === "README.md").length).toBeGreaterThanOrEqual(14);
    // nocompile is for the rare fragment that cannot stand alone; each says why.
    const skipped = snippets.filter((s) => s.nocompile !== undefined);
    for (const s of skipped) expect(s.nocompile, `${s.file}:${s.line}`).not.toBe("");
    expect(skipped.length).toBeLessThanOrEqual(2);
  });

  it("reads fences, indentation, context comments and nocompile marks", () => {
    const md = [
      "# A",
      "```sh",
      "npm test",
      "```",
      "<!-- snippet",
      "declare const db: string;",
      "-->",
      "```ts",
      "db.length;",
      "```",
      "- item",
      "  ```typescript",
      "  const x = 1;",
      "  ```",
      "<!-- snippet nocompile: pseudo-code -->",
      "````ts",
      "```",
      "````",
    ].join("\n");
    const found = extractSnippets("x.md", md);
    expect(
      found.map(({ line, code, context, contextLine, nocompile, heading }) => ({
        line,
        code,
        context,
        contextLine,
        nocompile,
        heading,
      })),
    ).toEqual([
      {
        line: 9,
        code: "db.length;",
        context: "declare const db: string;",
        contextLine: 6,
        nocompile: undefined,
        heading: "A",
      },
      { line: 13, code: "const x = 1;", context: "", contextLine: 12, nocompile: undefined, heading: "A" },
      { line: 17, code: "```", context: "", contextLine: 15, nocompile: "pseudo-code", heading: "A" },
    ]);
    expect(() => extractSnippets("x.md", "<!-- snippet oops -->\n```ts\n1;\n```")).toThrow(/x\.md:1/);
  });

  it("reports errors at their line in the markdown file, in the context or in the block", () => {
    const [withContext] = extractSnippets(
      "x.md",
      [
        "<!-- snippet",
        "declare const n: number;",
        "const early: string = 1;",
        "-->",
        "```ts",
        "",
        "n.toUpperCase();",
        "```",
      ].join("\n"),
    );
    const errors = compileSnippets([withContext!]).get(withContext!) ?? [];
    expect(errors.map((e) => `${e.location} ${e.message.slice(0, 6)}`)).toEqual(["x.md:3:7 TS2322", "x.md:7:3 TS2339"]);
  }, 180_000);
});
