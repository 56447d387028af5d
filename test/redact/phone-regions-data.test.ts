import metadata from "libphonenumber-js/metadata.max.json" with { type: "json" };
import { describe, expect, it } from "vitest";
import { PHONE_REGION_DATA } from "../../src/redact/data/phone-regions.js";
import { phoneRegionRows } from "./generate-phone-regions.js";

describe("phone region table", () => {
  it(
    "matches libphonenumber-js's metadata (regenerate with test/redact/generate-phone-regions.ts)",
    { timeout: 60_000 },
    () => {
      const rows = phoneRegionRows(metadata);
      expect(Object.entries(PHONE_REGION_DATA).map(([region, data]) => [region, ...data])).toEqual(
        rows.map((row) => [...row]),
      );
    },
  );

  it("has every region libphonenumber has, with its calling code", () => {
    const countries = metadata.countries as unknown as Record<string, readonly unknown[]>;
    expect(Object.keys(PHONE_REGION_DATA).sort()).toEqual(Object.keys(countries).sort());
    for (const [region, data] of Object.entries(PHONE_REGION_DATA)) {
      expect(String(data[0]), region).toBe(countries[region]?.[0]);
    }
  });

  it("holds only plain digit patterns: no lookaround, backreference or unbounded repetition", () => {
    // The patterns run on at most 19 digits; keeping them to this syntax keeps each test cheap.
    const plain = /^(?:\d|\\d|\[[\d-]+\]|\(\?:|\)|\||\{\d+(?:,\d+)?\}|\?)*$/;
    for (const [region, [, trunks, withTrunk, withoutTrunk, lone, lengths]] of Object.entries(PHONE_REGION_DATA)) {
      for (const pattern of [withTrunk, withoutTrunk === "=" ? "" : withoutTrunk]) {
        expect(plain.test(pattern), `${region}: ${pattern.slice(0, 40)}`).toBe(true);
        expect(() => new RegExp(pattern)).not.toThrow();
      }
      expect(trunks, region).toMatch(/^(?:\d{1,6}(?:\|\d{1,6})*)?$/);
      expect(lone, region).toMatch(/^\d*$/);
      for (const l of lengths === "" ? [] : lengths.split(",").map(Number)) {
        expect(l, region).toBeGreaterThanOrEqual(2);
        expect(l, region).toBeLessThanOrEqual(17);
      }
    }
  });

  it("carries no national patterns for NANP regions, whose formats are the default detector's", () => {
    for (const [region, data] of Object.entries(PHONE_REGION_DATA)) {
      if (data[0] === 1) expect([data[2], data[3]], region).toEqual(["", ""]);
    }
  });
});
