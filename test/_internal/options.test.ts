import { describe, expect, it } from "vitest";
import { z } from "zod";
import { parseInput, parseOptions } from "../../src/_internal/options.js";
import { expectMoatError } from "../helpers/assertions.js";

const schema = z.object({ name: z.string().min(1), size: z.number().int().positive(), mode: z.enum(["a", "b"]).default("a") }).strict();

describe("option validation", () => {
  it("returns parsed options with defaults applied", () => {
    expect(parseOptions(schema, { name: "x", size: 1 }, "test options")).toEqual({ name: "x", size: 1, mode: "a" });
  });

  it("turns failures into ERR_CONFIG with the issues, naming the first path", () => {
    const err = expectMoatError(() => parseOptions(schema, { name: "", size: -1 }, "test options"), "ERR_CONFIG");
    expect(err.message).toBe('invalid test options at "name"');
    const issues = err.details?.issues as { path: unknown[]; code: string }[];
    expect(issues.map((i) => i.path)).toEqual([["name"], ["size"]]);
    expect(issues.map((i) => i.code)).toEqual(["too_small", "too_small"]);
  });

  it("uses ERR_INVALID_INPUT for call arguments", () => {
    expectMoatError(() => parseInput(schema, null, "arguments"), "ERR_INVALID_INPUT");
  });

  it("never echoes the received value in message or details", () => {
    const secret = "sk_live_do_not_print_me";
    for (const input of [{ name: secret, size: secret }, { name: 1, size: 1, extra: secret }, secret]) {
      const err = expectMoatError(() => parseOptions(schema, input, "test options"), "ERR_CONFIG");
      expect(err.message).not.toContain(secret);
      expect(JSON.stringify(err.details)).not.toContain(secret);
    }
  });
});
