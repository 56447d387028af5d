/**
 * data-keys.ts at its own (internal) interface, for what the envelope cannot show: a shred marks
 * the scope's cached keys destroyed (also a current key the read cache already evicted), a forget
 * of one scope drops only that scope's keys and marks nothing, stateless keys belong to no tenant,
 * a cached key is never served for another mode, concurrent stateless writers share one new key,
 * and a cached key keeps its own copy of the token's reference bytes.
 */
import { describe, expect, it } from "vitest";
import { createEnvelope } from "../../src/crypto/index.js";
import { base64urlDecode } from "../../src/_internal/encoding.js";
import { parseToken } from "../../src/crypto/format.js";
import { testKeyring } from "../../src/testing/index.js";
import { newLayer, newWrapper } from "./data-keys-fixtures.js";

const context = { table: "notes", column: "body", rowId: 1 };

describe("data keys: the layer", () => {
  it("a shred marks the scope's cached keys destroyed; a forget of a scope drops only it, marking nothing", async () => {
    const { keys } = newLayer();
    const t1 = await keys.writingKey("t1");
    const t2 = await keys.writingKey("t2");
    const t3 = await keys.writingKey("t3");
    keys.forget("t1");
    expect(t1.destroyed).toBe(false);
    expect(keys.cached("stored", t1.ref)).toBeUndefined();
    expect(keys.cached("stored", t2.ref)).toBe(t2);
    keys.shredded("t2");
    expect(t2.destroyed).toBe(true);
    expect(keys.cached("stored", t2.ref)).toBeUndefined();
    expect(t3.destroyed).toBe(false);
    expect(keys.cached("stored", t3.ref)).toBe(t3);
  });

  it("a shred marks a key read by id (not the scope's current one) destroyed", async () => {
    const { keys, store } = newLayer();
    const written = await newLayer({ store: store! }).keys.writingKey("t4");
    const read = await keys.storedDataKey(store!, written.ref);
    expect(keys.cached("stored", read.ref)).toBe(read);
    keys.shredded("t4");
    expect(read.destroyed).toBe(true);
    expect(keys.cached("stored", read.ref)).toBeUndefined();
  });

  it("a shred marks a current key destroyed even when the read cache already evicted it", async () => {
    const { keys, store } = newLayer({ cacheMaxEntries: 1 });
    const other = await newLayer({ store: store! }).keys.writingKey("t2");
    const t1 = await keys.writingKey("t1");
    // A read of t2's key by id takes the read cache's only entry; t1 stays the current key.
    await keys.storedDataKey(store!, other.ref);
    expect(keys.cached("stored", t1.ref)).toBeUndefined();
    keys.shredded("t1");
    expect(t1.destroyed).toBe(true);
  });

  it("a shred of the default scope leaves stateless keys alone, and they belong to no tenant", async () => {
    const { keys } = newLayer();
    const token = await createEnvelope({ keyring: testKeyring(["k1"]) }).encrypt("v", { context });
    const msg = parseToken(token);
    const dk = await keys.dataKeyFor(msg);
    expect(dk.scope).toBe("");
    keys.shredded("");
    expect(dk.destroyed).toBe(false);
    expect(keys.cached(msg.mode, msg.keyRef)).toBe(dk);
    const { keys: stateless } = newLayer({ store: null });
    expect((await stateless.writingKey("ignored")).scope).toBe("");
  });

  it("a cached stored key is never served for another mode with the same reference bytes", async () => {
    const { keys, store } = newLayer();
    const written = await keys.writingKey("t1");
    const ref = base64urlDecode(written.id!);
    keys.forget(undefined);
    await keys.storedDataKey(store!, ref);
    expect(keys.cached("embedded", ref)).toBeUndefined();
    expect(keys.cached("embedded-provider", ref)).toBeUndefined();
    const hit = keys.cached("stored", ref);
    expect(hit?.id).toBe(written.id);
    // Now the last key used: still only for its own mode.
    expect(keys.cached("embedded", ref)).toBeUndefined();
    expect(keys.cached("stored", ref)).toBe(hit);
  });

  it("concurrent stateless writers at a renewal share one new data key", async () => {
    const base = newWrapper();
    let made = 0;
    const wrapper = {
      ...base,
      newEmbedded: (masterKeyId: string) => {
        made++;
        const { mode, made: key } = base.newEmbedded(masterKeyId);
        return { mode, made: Promise.resolve(key) };
      },
    };
    const { keys } = newLayer({ store: null, wrapper });
    const [a, b] = await Promise.all([keys.writingKey(""), keys.writingKey("")]);
    expect(made).toBe(1);
    expect(a).toBe(b);
  });

  it("a cached stateless key keeps its own copy of the token's reference", async () => {
    const { keys } = newLayer();
    const bytes = await createEnvelope({ keyring: testKeyring(["k1"]) }).encryptBytes("v", { context });
    const original = bytes.slice();
    const dk = await keys.dataKeyFor(parseToken(bytes));
    bytes.fill(0);
    const msg = parseToken(original);
    expect(keys.cached(msg.mode, msg.keyRef)).toBe(dk);
  });
});
