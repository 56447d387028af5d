/**
 * The associated data bytes of src/crypto/context.ts (docs/format.md): header ‖ u32be(len(tenant))
 * ‖ tenant (UTF-8) ‖ canonical JSON of the context (UTF-8), equal to a plain reference for every
 * UTF-8 length class, and never truncated when the shared scratch buffer has to grow.
 */
import { readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { type Binding, associatedData, readBinding } from "../../src/crypto/context.js";
import { hex, toHex } from "./helpers.js";

/** The AAD as the format document defines it, built the slow and obvious way. */
function reference(header: Uint8Array, binding: Binding): Uint8Array {
  const tenant = new TextEncoder().encode(binding.scope);
  const json = new TextEncoder().encode(binding.json);
  const out = new Uint8Array(header.length + 4 + tenant.length + json.length);
  out.set(header);
  new DataView(out.buffer).setUint32(header.length, tenant.length);
  out.set(tenant, header.length + 4);
  out.set(json, header.length + 4 + tenant.length);
  return out;
}

function headerOf(length: number): Uint8Array {
  return Uint8Array.from({ length }, (_, i) => (i * 37 + 1) & 0xff);
}

/** The scratch buffer's current size: the AAD is a view of it. */
function scratchSize(): number {
  return associatedData(headerOf(1), { scope: "", json: "{}" }).buffer.byteLength;
}

describe("context associated data", () => {
  it("matches the committed vector aes-stored-tenant-context", () => {
    const file = JSON.parse(readFileSync(new URL("../vectors/moatkit/envelope-v1.json", import.meta.url), "utf8")) as {
      cases: { name: string; tenantId: string | null; context: object; intermediate: Record<string, string> }[];
    };
    const vector = file.cases.find((c) => c.name === "aes-stored-tenant-context");
    expect(vector).toBeDefined();
    if (vector === undefined) return;
    const binding = readBinding({ context: vector.context, tenantId: vector.tenantId ?? undefined });
    const aad = associatedData(hex(vector.intermediate.header ?? ""), binding);
    expect(toHex(aad)).toBe(vector.intermediate.aad);
  });

  it("encodes every UTF-8 length class in context values, U+0080 and U+07FF included", () => {
    const header = headerOf(48);
    const values = ["\u007f", "\u0080", "a\u0080b", "\u00ff", "\u0100", "\u07ff", "\u0800", "\uffff", "😀", "é€😀x"];
    for (const value of values) {
      const binding = readBinding({ context: { v: value, table: "users" }, tenantId: "acme" });
      expect(toHex(associatedData(header, binding)), JSON.stringify(value)).toBe(toHex(reference(header, binding)));
    }
    // U+0080 is two bytes of UTF-8, never the single byte 0x80.
    const aad = associatedData(header, readBinding({ context: { v: "\u0080" } }));
    expect(toHex(aad.subarray(header.length + 4))).toBe(toHex(new TextEncoder().encode('{"v":"\u0080"}')));
    expect(toHex(aad.subarray(-4))).toBe("c280227d");
  });

  it("encodes a tenant that starts, ends or is made of non-ASCII characters", () => {
    const header = headerOf(48);
    for (const tenantId of ["éacme", "acmé", "€", "😀team", "ü".repeat(256), "a"]) {
      const binding = readBinding({ context: { rowId: 1 }, tenantId });
      const aad = associatedData(header, binding);
      expect(toHex(aad), tenantId).toBe(toHex(reference(header, binding)));
      const length = new DataView(aad.buffer, aad.byteOffset).getUint32(header.length);
      expect(length).toBe(new TextEncoder().encode(tenantId).length);
    }
  });

  it("grows the scratch buffer for a context of three-byte characters far beyond its size", () => {
    const header = headerOf(16);
    const size = scratchSize();
    // Needs 3 × size bytes: more than twice the scratch buffer.
    const binding: Binding = { scope: "", json: "€".repeat(size) };
    const aad = associatedData(header, binding);
    expect(aad.length).toBe(16 + 4 + 3 * size);
    expect(toHex(aad)).toBe(toHex(reference(header, binding)));
  });

  it("grows the scratch buffer when a long non-ASCII tenant tips the AAD over its size", () => {
    const header = headerOf(16);
    const size = scratchSize();
    // The tenant's 768 bytes are what make the AAD larger than the buffer.
    const scope = "€".repeat(256);
    const binding: Binding = { scope, json: "€".repeat(Math.floor((size - 16 - 90) / 3)) };
    const expected = reference(header, binding);
    expect(expected.length).toBeGreaterThan(size);
    expect(toHex(associatedData(header, binding))).toBe(toHex(expected));
  });

  it("grows the scratch buffer when the AAD is a few bytes over its size", () => {
    const size = scratchSize();
    const header = headerOf(16);
    // header + 4 + 3k lands in (size, size + 8]: over the buffer by fewer bytes than the u32.
    const binding: Binding = { scope: "", json: "€".repeat(Math.floor((size - 16 + 4) / 3)) };
    const expected = reference(header, binding);
    expect(expected.length).toBeGreaterThan(size);
    expect(expected.length).toBeLessThanOrEqual(size + 8);
    expect(toHex(associatedData(header, binding))).toBe(toHex(expected));
  });

  it("grows the scratch buffer geometrically, so slowly growing contexts do not reallocate each time", () => {
    const size = scratchSize();
    const header = headerOf(16);
    // A bound (16 + 4 + 3 × length) just over the buffer: it at least doubles.
    const first = associatedData(header, { scope: "", json: "x".repeat(Math.ceil(size / 3)) });
    expect(first.buffer.byteLength).toBeGreaterThanOrEqual(2 * size);
    // A bound up to twice the old size then fits without a new buffer.
    const json = "x".repeat(Math.floor((2 * size - 20) / 3));
    const second = associatedData(header, { scope: "", json });
    expect(second.buffer).toBe(first.buffer);
    expect(toHex(second)).toBe(toHex(reference(header, { scope: "", json })));
  });
});
