/**
 * A merge that leaves its conflict markers in prose passes every code check, and the README once
 * shipped with a pair of them. Every tracked Markdown file is checked for the three marker lines.
 */
import { execFileSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

const MARKER = /^(<{7}|={7}|>{7})(\s|$)/m;

const markdown = execFileSync("git", ["ls-files", "*.md"], { encoding: "utf8" })
  .split("\n")
  .filter((f) => f !== "");

describe("documentation", () => {
  it("finds the Markdown files", () => {
    expect(markdown).toEqual(expect.arrayContaining(["README.md", "CHANGELOG.md"]));
  });

  it("holds no merge conflict markers", () => {
    const marked = markdown.filter((f) => MARKER.test(readFileSync(f, "utf8")));
    expect(marked, "files with <<<<<<< / ======= / >>>>>>> lines").toEqual([]);
  });

  it("would notice a marker (the check itself works)", () => {
    expect(MARKER.test("text\n<<<<<<< HEAD\nmore")).toBe(true);
    expect(MARKER.test("a heading\n=======\n")).toBe(true);
    expect(MARKER.test("a <<<<<<< inside a line")).toBe(false);
  });
});
