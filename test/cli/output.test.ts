import { describe, expect, it } from "vitest";
import { describeFailure, escapeControl, writeLines } from "../../src/cli/output.js";
import { UsageError } from "../../src/cli/output.js";

describe("CLI output escapes control characters", () => {
  it("turns C0, DEL, C1, ESC and line/bidi separators into visible escapes", () => {
    expect(escapeControl("a\nb\r\tc")).toBe("a\\nb\\r\\tc");
    expect(escapeControl("\u001b[31mred\u001b[0m")).toBe("\\x1b[31mred\\x1b[0m");
    expect(escapeControl("\u0000\u007f\u0085\u009b")).toBe("\\x00\\x7f\\x85\\x9b");
    expect(escapeControl("\u2028\u202e\u2066")).toBe("\\u2028\\u202e\\u2066");
    expect(escapeControl("plain ✓ text, ü and 日本")).toBe("plain ✓ text, ü and 日本");
  });

  it("writes each line escaped, so a name cannot start a line of its own", () => {
    let written = "";
    writeLines((t) => (written += t), ["table x\n✓ fake", "second"]);
    expect(written).toBe("table x\\n✓ fake\nsecond\n");
  });

  it("escapes what a failure message echoes", () => {
    const { message } = describeFailure(new UsageError("unknown table \u001b[2Jx\ny"));
    expect(message).toBe("unknown table \\x1b[2Jx\\ny");
  });
});
