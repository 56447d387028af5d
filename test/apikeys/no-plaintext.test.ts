/**
 * Keys are never stored or logged in plaintext: after issuing 100 keys (and verifying, rotating
 * and revoking some), no store row, log line or error contains a key, or even the part of a
 * key's body beyond its 4-character preview.
 */
import { format, inspect } from "node:util";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createMemoryApiKeyStore } from "../../src/adapters/memory/index.js";
import { createPostgresApiKeyStore, migrate } from "../../src/adapters/postgres/index.js";
import { type ApiKeyStore, type ApiKeys, createApiKeys } from "../../src/apikeys/index.js";
import { expectMoatErrorAsync } from "../helpers/assertions.js";
import { type PostgresHandle, describePostgres } from "../helpers/postgres.js";

/** The secret parts of each key: the whole key, and its body past the preview. */
function secretsOf(keys: readonly string[]): string[] {
  return keys.flatMap((key) => [key, key.slice("acme_live_".length + 4)]);
}

function expectNoSecret(haystack: string, keys: readonly string[], where: string): void {
  for (const secret of secretsOf(keys)) {
    if (haystack.includes(secret)) throw new Error(`${where} contains a plaintext key (or its body)`);
  }
}

/** Every way an app might log what it got back, captured through console as a logger would. */
function captureLogs(values: readonly unknown[]): string {
  const lines: string[] = [];
  const spy = vi.spyOn(console, "log").mockImplementation((...args: unknown[]) => {
    lines.push(format(...args));
  });
  try {
    for (const value of values) {
      console.log(value);
      console.log("%s %o %j", value, value, value);
      console.log(JSON.stringify(value));
      console.log(inspect(value, { depth: null, showHidden: true }));
    }
  } finally {
    spy.mockRestore();
  }
  return lines.join("\n");
}

async function exercise(apiKeys: ApiKeys): Promise<{ keys: string[]; outputs: unknown[] }> {
  const keys: string[] = [];
  const outputs: unknown[] = [];
  for (let i = 0; i < 100; i++) {
    const issued = await apiKeys.issue({
      ownerId: "owner-1",
      env: i % 2 === 0 ? "live" : "test",
      scopes: ["read"],
      metadata: { i },
    });
    keys.push(issued.key.reveal());
    outputs.push(issued);
  }
  for (const [i, key] of keys.slice(0, 10).entries()) {
    outputs.push(await apiKeys.verify(key, { scopes: ["read"] }));
    outputs.push(await apiKeys.verify(key, { scopes: ["admin"] }));
    const { record } = outputs[i] as { record: { id: string } };
    if (i < 5) outputs.push(await apiKeys.revoke(record.id));
    else {
      const rotated = await apiKeys.rotate(record.id, { graceMs: 60_000 });
      if (rotated.ok) keys.push(rotated.key.reveal());
      outputs.push(rotated);
    }
  }
  outputs.push(await apiKeys.list("owner-1"));
  return { keys, outputs };
}

/** A deterministic random source, so a test knows the key a failed `issue` would have made. */
function seeded(): (n: number) => Uint8Array {
  let x = 7;
  return (n) => Uint8Array.from({ length: n }, () => (x = (x * 131 + 17) % 248));
}

/** The key a manager using `seeded()` issues first. */
async function firstSeededKey(): Promise<string> {
  const twin = createApiKeys({ prefix: "acme", store: createMemoryApiKeyStore(), random: seeded() });
  return (await twin.issue({ ownerId: "o", env: "live" })).key.reveal();
}

function errorText(err: unknown): string {
  const parts: string[] = [];
  let current: unknown = err;
  while (current instanceof Error) {
    parts.push(current.message, String(current.stack), inspect(current, { depth: null }), JSON.stringify(current));
    current = current.cause;
  }
  return parts.join("\n");
}

describe("no plaintext keys (memory store)", () => {
  it("stores, logs and returns no plaintext key after issuing 100 keys", async () => {
    const store = createMemoryApiKeyStore();
    const apiKeys = createApiKeys({ prefix: "acme", store });
    const { keys, outputs } = await exercise(apiKeys);
    expect(keys.length).toBe(105);

    const rows = await Promise.all((await store.listApiKeysByOwner("owner-1")).map((k) => store.getApiKey(k.id)));
    expect(rows).toHaveLength(105);
    expectNoSecret(JSON.stringify(rows) + inspect(rows, { depth: null }), keys, "a store row");
    expectNoSecret(captureLogs(outputs), keys, "a log line");
  });

  it("puts no plaintext key in errors, even when the store quotes everything it was given", async () => {
    const inner = createMemoryApiKeyStore();
    const keys: string[] = [];
    const apiKeys = createApiKeys({ prefix: "acme", store: inner });
    for (let i = 0; i < 3; i++) keys.push((await apiKeys.issue({ ownerId: "o", env: "live" })).key.reveal());
    // A driver-like store whose errors quote its arguments, as pg's do in `detail`.
    const quoting: ApiKeyStore = {
      ...inner,
      createApiKey: (record) => Promise.reject(new Error(`insert failed for ${JSON.stringify(record)}`)),
      findApiKeyByHash: (hash) => Promise.reject(new Error(`lookup failed for ${hash}`)),
    };
    const broken = createApiKeys({ prefix: "acme", store: quoting, random: seeded() });
    const errors: unknown[] = [];
    errors.push(await expectMoatErrorAsync(() => broken.issue({ ownerId: "o", env: "live" }), "ERR_STORE"));
    keys.push(await firstSeededKey()); // the key that failed insert would have had
    for (const key of keys) {
      errors.push(await expectMoatErrorAsync(() => broken.verify(key), "ERR_STORE"));
      // @ts-expect-error: bad options on purpose, with a key in hand
      errors.push(await expectMoatErrorAsync(() => apiKeys.verify(key, { scopes: [key, 1] }), "ERR_INVALID_INPUT"));
      // A key where an id belongs.
      errors.push(await expectMoatErrorAsync(() => apiKeys.revoke(key), "ERR_INVALID_INPUT"));
      errors.push(
        await expectMoatErrorAsync(
          // @ts-expect-error: a key where options belong
          () => apiKeys.issue({ ownerId: "o", env: "live", scopes: [`${key} x`], key }),
          "ERR_INVALID_INPUT",
        ),
      );
    }
    expectNoSecret(errors.map(errorText).join("\n"), keys, "an error");
    expectNoSecret(captureLogs(errors), keys, "a logged error");
  });
});

describePostgres("no plaintext keys (postgres store)", (target) => {
  let handle: PostgresHandle | undefined;
  beforeAll(async () => {
    handle = await target.connect();
    await migrate(handle.client);
  });
  afterAll(async () => {
    await handle?.close();
  });

  it("no row of moatkit_api_keys holds a plaintext key after issuing 100 keys", async () => {
    const client = handle!.client;
    const apiKeys = createApiKeys({ prefix: "acme", store: createPostgresApiKeyStore({ client }) });
    const { keys, outputs } = await exercise(apiKeys);
    const { rows } = await client.query<{ row: string }>("SELECT row_to_json(k)::text AS row FROM moatkit_api_keys k");
    expect(rows).toHaveLength(105);
    expectNoSecret(rows.map((r) => r.row).join("\n"), keys, "a table row");
    expectNoSecret(captureLogs(outputs), keys, "a log line");

    // A real driver error (a duplicate hash) quotes the row it refused: still no key in it,
    // neither the existing one nor the one whose insert failed.
    const store = createPostgresApiKeyStore({ client });
    const { rows: hashes } = await client.query<{ hash: string }>(
      "SELECT key_hash AS hash FROM moatkit_api_keys LIMIT 1",
    );
    const hash = hashes[0]!.hash;
    const colliding: ApiKeyStore = { ...store, createApiKey: (r) => store.createApiKey({ ...r, hash }) };
    const err = await expectMoatErrorAsync(
      () => createApiKeys({ prefix: "acme", store: colliding, random: seeded() }).issue({ ownerId: "o", env: "live" }),
      "ERR_STORE",
    );
    // The driver quoted the row in its error; the MoatError's cause keeps neither it nor the key.
    expect(errorText(err)).not.toContain(hash);
    expectNoSecret(errorText(err), [...keys, await firstSeededKey()], "a driver error");
  }, 60_000);
});
