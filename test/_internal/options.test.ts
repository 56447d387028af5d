import { describe, expect, it } from "vitest";
import { z } from "zod";
import { assertKnownKeys, knownKeys, parseInput, parseOptions, suggestKey } from "../../src/_internal/options.js";
import { expectMoatError } from "../helpers/assertions.js";

const schema = z
  .object({ name: z.string().min(1), size: z.number().int().positive(), mode: z.enum(["a", "b"]).default("a") })
  .strict();

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

describe("unknown keys", () => {
  const strict = z.strictObject({
    blockDuration: z.number().optional(),
    cacheTtl: z.number().optional(),
    pepper: z.string().optional(),
    store: z.strictObject({ keyPrefix: z.string().optional() }).optional(),
  });

  it("names the key and suggests the option it was meant to be", () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ blockDurationMs: 1 }, 'test options: unknown option "blockDurationMs"; did you mean "blockDuration"?'],
      [{ cacheTtlMs: 1 }, 'test options: unknown option "cacheTtlMs"; did you mean "cacheTtl"?'],
      [{ cachettl: 1 }, 'test options: unknown option "cachettl"; did you mean "cacheTtl"?'],
      [{ peper: "x" }, 'test options: unknown option "peper"; did you mean "pepper"?'],
      [{ pepepr: "x" }, 'test options: unknown option "pepepr"; did you mean "pepper"?'],
      [{ colour: 1 }, 'test options: unknown option "colour"'],
    ];
    for (const [input, message] of cases) {
      const err = expectMoatError(() => parseOptions(strict, input, "test options"), "ERR_CONFIG");
      expect(err.message).toBe(message);
    }
  });

  it("names nested keys by their path", () => {
    const err = expectMoatError(
      () => parseOptions(strict, { store: { keyprefix: "a" } }, "test options"),
      "ERR_CONFIG",
    );
    expect(err.message).toBe('test options: unknown option "store.keyprefix"; did you mean "store.keyPrefix"?');
    const issues = err.details?.issues as { path: unknown[]; code: string; keys: string[] }[];
    expect(issues[0]).toMatchObject({ path: ["store"], code: "unrecognized_keys", keys: ["keyprefix"] });
  });

  it("says key rather than option for call arguments", () => {
    const err = expectMoatError(() => parseInput(strict, { pepperr: "x" }, "arguments"), "ERR_INVALID_INPUT");
    expect(err.message).toBe('arguments: unknown key "pepperr"; did you mean "pepper"?');
  });

  it("does not print a key that does not look like a name", () => {
    const secret = "sk_live 0123456789abcdef";
    const err = expectMoatError(() => parseOptions(strict, { [secret]: 1 }, "test options"), "ERR_CONFIG");
    expect(err.message).toBe("test options: unknown option");
    expect(JSON.stringify(err.details)).not.toContain(secret);
    expect(
      expectMoatError(() => parseOptions(strict, { ["x".repeat(65)]: 1 }, "test options"), "ERR_CONFIG").message,
    ).toBe("test options: unknown option");
  });

  it("suggests by case, by prefix and by one or two edits, and nothing when nothing is close", () => {
    const known = ["timeout", "keyPrefix", "now", "ttl", "maxEntries"];
    expect(suggestKey("Timeout", known)).toBe("timeout");
    expect(suggestKey("timeoutMs", known)).toBe("timeout");
    expect(suggestKey("keyPrefx", known)).toBe("keyPrefix");
    expect(suggestKey("maxEntires", known)).toBe("maxEntries");
    expect(suggestKey("nwo", known)).toBe("now");
    expect(suggestKey("tl", known)).toBe("ttl");
    expect(suggestKey("x", known)).toBeUndefined();
    expect(suggestKey("signal", known)).toBeUndefined();
  });

  it("checks hand-validated options with the same message", () => {
    const known = knownKeys<{ kid?: string; random?: () => void }>({ kid: true, random: true });
    expect(() => {
      assertKnownKeys({ kid: "a" }, known, "f options");
    }).not.toThrow();
    expect(() => {
      assertKnownKeys(undefined, known, "f options");
    }).not.toThrow();
    const err = expectMoatError(() => {
      assertKnownKeys({ kidd: "a" }, known, "f options");
    }, "ERR_CONFIG");
    expect(err.message).toBe('f options: unknown option "kidd"; did you mean "kid"?');
    expect(err.details?.issues).toEqual([
      { path: [], code: "unrecognized_keys", message: 'unknown option "kidd"; did you mean "kid"?', keys: ["kidd"] },
    ]);
    expect(
      expectMoatError(() => {
        assertKnownKeys({ rand: 1 }, known, "call", "ERR_INVALID_INPUT");
      }, "ERR_INVALID_INPUT").message,
    ).toBe('call: unknown key "rand"; did you mean "random"?');
  });
});
