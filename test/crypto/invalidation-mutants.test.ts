/**
 * Mutation survivors in src/crypto/invalidation.ts: which values count as a DataKeyInvalidation,
 * and the liveness of the older interface.
 */
import { describe, expect, it } from "vitest";
import { isDataKeyInvalidation, shredChannelOf } from "../../src/crypto/invalidation.js";

describe("isDataKeyInvalidation", () => {
  it("accepts an object with publish and subscribe", () => {
    const value = { publish: () => Promise.resolve(), subscribe: () => () => undefined };
    expect(isDataKeyInvalidation(value)).toBe(true);
  });

  it("rejects null without throwing", () => {
    expect(isDataKeyInvalidation(null)).toBe(false);
  });

  it("rejects a function even if it carries publish and subscribe", () => {
    const fn = Object.assign(() => undefined, {
      publish: () => Promise.resolve(),
      subscribe: () => () => undefined,
    });
    expect(isDataKeyInvalidation(fn)).toBe(false);
  });

  it("rejects an object with only subscribe", () => {
    expect(isDataKeyInvalidation({ subscribe: () => () => undefined })).toBe(false);
  });

  it("rejects an object whose publish is not a function", () => {
    expect(isDataKeyInvalidation({ publish: "x", subscribe: () => () => undefined })).toBe(false);
  });

  it("rejects an object with only publish", () => {
    expect(isDataKeyInvalidation({ publish: () => Promise.resolve() })).toBe(false);
  });
});

describe("shredChannelOf over a DataKeyInvalidation", () => {
  it("is always live", () => {
    const legacy = { publish: () => Promise.resolve(), subscribe: () => () => undefined };
    const channel = shredChannelOf(legacy);
    expect(channel.isLive()).toBe(true);
  });
});
