/**
 * API key verification with the memory store against raw SHA-256 of the same key (the floor:
 * verify must hash once), measured in the same run. Targets (issue 5): at least 100k
 * verifications/s of valid keys and 1M rejections/s of malformed ones; the metrics group
 * measures those absolute rates with a plain awaited loop against CPU time, the throughput
 * groups give the ratios.
 */
import { crc32 as zlibCrc32 } from "node:zlib";
import { sha256Hex } from "../src/_internal/hash.js";
import { createMemoryApiKeyStore } from "../src/adapters/memory/index.js";
import { type ApiKeys, createApiKeys, parseApiKey } from "../src/apikeys/index.js";
import { crc32 } from "../src/apikeys/crc32.js";
import { type Metric, defineBenchSuite } from "./harness.js";

const PEPPER = "bench-pepper-of-at-least-32-bytes!!";
const STORED_KEYS = 10_000;

let apiKeys: ApiKeys;
let peppered: ApiKeys;
let valid = "";
let validPeppered = "";
let badChecksum = "";
let notFound = "";
const malformed = "acme_live_this-is-not-base62-at-all-!!!!!!!!!!!";
const wrongPrefix = "beta_live_4Fh2kd93jf83hf72hd83hd8e3hd83hd8e3hd8e";

/** CPU time this process has used (user + system, all threads, GC included), in ms. */
function cpuMs(): number {
  const { user, system } = process.cpuUsage();
  return (user + system) / 1000;
}

/**
 * Calls of `fn` per CPU-second, awaiting each call as a server would: the median of 7 windows
 * of ~200 ms of CPU time. CPU time rather than wall time, because the machine's cores are
 * shared: time the scheduler gives to other processes is not this code's cost.
 */
async function rate(fn: () => Promise<unknown>): Promise<number> {
  for (let i = 0; i < 5000; i++) await fn(); // warm-up
  const windows: number[] = [];
  for (let w = 0; w < 7; w++) {
    let n = 0;
    const start = cpuMs();
    let used = 0;
    while (used < 200) {
      for (let i = 0; i < 1000; i++) await fn();
      n += 1000;
      used = cpuMs() - start;
    }
    windows.push((n * 1000) / used);
  }
  windows.sort((a, b) => a - b);
  return windows[3] ?? 0;
}

export default defineBenchSuite({
  title: "API keys: verify vs raw SHA-256",
  async setup() {
    const store = createMemoryApiKeyStore();
    apiKeys = createApiKeys({ prefix: "acme", store });
    peppered = createApiKeys({ prefix: "acme", store, pepper: PEPPER });
    // A store holding many keys, so the lookup is not a one-entry map.
    for (let i = 0; i < STORED_KEYS; i++)
      await apiKeys.issue({ ownerId: `owner-${String(i % 100)}`, env: "live", scopes: ["read"] });
    valid = (await apiKeys.issue({ ownerId: "bench", env: "live", scopes: ["read", "write"] })).key.reveal();
    validPeppered = (await peppered.issue({ ownerId: "bench", env: "live" })).key.reveal();
    badChecksum = valid.slice(0, -1) + (valid.endsWith("0") ? "1" : "0");
    notFound = (
      await createApiKeys({ prefix: "acme", store: createMemoryApiKeyStore() }).issue({ ownerId: "x", env: "live" })
    ).key.reveal();
    const check = await apiKeys.verify(valid, { scopes: ["read"] });
    if (!check.ok) throw new Error("bench setup: the valid key did not verify");
  },
  groups: [
    // First: tinybench keeps every sample of the groups below, and the heap they leave behind
    // (~175 MB) makes every later allocation-heavy loop pay for slower GC (measured: valid
    // verifies fell from ~310k/s to ~125k/s in the same process).
    {
      kind: "metrics",
      name: "absolute rates (awaited, per CPU-second, median of 7)",
      higherIsBetter: true,
      async run(): Promise<readonly Metric[]> {
        return [
          { task: "valid key verifies/s", value: await rate(() => apiKeys.verify(valid)), unit: "ops/s" },
          { task: "malformed rejections/s", value: await rate(() => apiKeys.verify(malformed)), unit: "ops/s" },
          { task: "bad-checksum rejections/s", value: await rate(() => apiKeys.verify(badChecksum)), unit: "ops/s" },
        ];
      },
      targets: [
        { task: "valid key verifies/s", min: 100_000 },
        { task: "malformed rejections/s", min: 1_000_000 },
      ],
    },
    {
      name: "verify a valid key (memory store, 10k keys)",
      baseline: "sha256Hex(key)",
      tasks: {
        "sha256Hex(key)": () => sha256Hex(valid),
        "verify(key)": () => apiKeys.verify(valid),
        "verify(key, { scopes })": () => apiKeys.verify(valid, { scopes: ["read"] }),
        "verify(key) with pepper (HMAC)": () => peppered.verify(validPeppered),
      },
    },
    {
      name: "reject bad keys",
      baseline: "sha256Hex(key)",
      tasks: {
        "sha256Hex(key)": () => sha256Hex(malformed),
        "verify: malformed": () => apiKeys.verify(malformed),
        "verify: wrong prefix": () => apiKeys.verify(wrongPrefix),
        "verify: bad checksum": () => apiKeys.verify(badChecksum),
        "verify: not found (hash + lookup)": () => apiKeys.verify(notFound),
      },
    },
    {
      name: "checksum of one key (why CRC-32 is written in JS)",
      baseline: "zlib.crc32(key)",
      tasks: {
        "zlib.crc32(key)": () => zlibCrc32(valid),
        "crc32(key)": () => crc32(valid),
        "parseApiKey(key)": () => parseApiKey(valid),
      },
    },
  ],
});
