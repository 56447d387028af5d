/**
 * What keeping the master key in a KMS costs: the envelope with a Vault Transit key (the Transit
 * emulator on 127.0.0.1, answering every call after 20 ms, a KMS round trip in the same region)
 * against the same envelope with an environment key, in the same run. The workload is a writer
 * and a reader process (two envelopes sharing one data key store) doing 10,000 encrypt + decrypt
 * over 10 tenants, 100 operations in flight: provider calls per tenant show the cache at work.
 */
import { randomBytes } from "node:crypto";
import { createMemoryDataKeyStore } from "../src/adapters/memory/index.js";
import { type Envelope, type MasterKeyInput, createEnvelope, createKeyring } from "../src/crypto/index.js";
import { createVaultTransitProvider } from "../src/kms/vault/index.js";
import { type VaultEmulator, startVaultEmulator } from "../test/kms/emulators/vault.js";
import { type Metric, defineBenchSuite } from "./harness.js";

const OPERATIONS = 10_000;
const TENANTS = 10;
const IN_FLIGHT = 100;
const LATENCY_MS = 20;
const RUNS = 5;
const context = { table: "integrations", column: "api_key", rowId: 421337 };
const ENV = "environment key (stored data keys)";
const VAULT = `Vault Transit key, ${String(LATENCY_MS)} ms per call (stored data keys)`;

let emulator: VaultEmulator | undefined;
const envKey: MasterKeyInput = { id: "env", key: new Uint8Array(randomBytes(32)) };

function vaultKey(): MasterKeyInput {
  if (emulator === undefined) throw new Error("the emulator is not started");
  const provider = createVaultTransitProvider({
    address: emulator.address,
    token: emulator.token,
    keyName: emulator.keyName,
    keyVersion: 1,
  });
  return { id: "vault", provider };
}

function totalCalls(): number {
  return Object.values(emulator?.calls() ?? {}).reduce((n, c) => n + c, 0);
}

/** Runs `task(i)` for i < n with at most IN_FLIGHT pending. */
async function inFlight(n: number, task: (i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < n) await task(next++);
  };
  await Promise.all(Array.from({ length: IN_FLIGHT }, worker));
}

/** One cold run (fresh envelopes and store): encrypt+decrypt per second. */
async function workload(key: MasterKeyInput): Promise<number> {
  const store = createMemoryDataKeyStore();
  const writer: Envelope = createEnvelope({ keyring: createKeyring([key]), dataKeys: store });
  const reader: Envelope = createEnvelope({ keyring: createKeyring([key]), dataKeys: store });
  const started = performance.now();
  await inFlight(OPERATIONS, async (i) => {
    const tenantId = `tenant-${String(i % TENANTS)}`;
    const token = await writer.encrypt(`sk_live_${String(i)}`, { context, tenantId });
    await reader.decrypt(token, { context, tenantId });
  });
  return OPERATIONS / ((performance.now() - started) / 1000);
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

const PER_TENANT = "Vault calls per tenant (writer + reader, one cold run)";
let callsPerTenant = Number.NaN;

async function throughput(): Promise<readonly Metric[]> {
  const env: number[] = [];
  const vault: number[] = [];
  let calls = 0;
  // Interleaved, so a slow moment of a shared machine hits both sides alike.
  for (let run = 0; run < RUNS; run++) {
    env.push(await workload(envKey));
    const before = totalCalls();
    vault.push(await workload(vaultKey()));
    calls = totalCalls() - before;
  }
  callsPerTenant = calls / TENANTS;
  return [
    { task: ENV, value: median(env), unit: "ops/s" },
    { task: VAULT, value: median(vault), unit: "ops/s" },
  ];
}

async function concurrentDecrypts(): Promise<readonly Metric[]> {
  const store = createMemoryDataKeyStore();
  const token = await createEnvelope({ keyring: createKeyring([vaultKey()]), dataKeys: store }).encrypt("hot", {
    context,
  });
  const reader = createEnvelope({ keyring: createKeyring([vaultKey()]), dataKeys: store });
  const before = totalCalls();
  await Promise.all(Array.from({ length: 100 }, () => reader.decrypt(token, { context })));
  return [
    {
      task: "Vault calls for 100 concurrent decrypts of one new data key",
      value: totalCalls() - before,
      unit: "calls",
    },
  ];
}

export default defineBenchSuite({
  title: "Master key in a KMS (Vault Transit emulator) vs an environment key",
  async setup() {
    emulator = await startVaultEmulator();
    emulator.setLatency(LATENCY_MS);
  },
  async teardown() {
    await emulator?.close();
  },
  groups: [
    {
      kind: "metrics",
      name: `${String(OPERATIONS)} encrypt+decrypt over ${String(TENANTS)} tenants, ${String(IN_FLIGHT)} in flight, cold caches`,
      baseline: ENV,
      higherIsBetter: true,
      run: throughput,
      targets: [{ task: VAULT, minRatio: 0.5 }],
    },
    {
      kind: "metrics",
      name: "provider calls in that workload",
      higherIsBetter: false,
      run: () => Promise.resolve([{ task: PER_TENANT, value: callsPerTenant, unit: "calls" }]),
      targets: [{ task: PER_TENANT, max: 2 }],
    },
    {
      kind: "metrics",
      name: "single-flight unwrap",
      higherIsBetter: false,
      run: concurrentDecrypts,
      targets: [{ task: "Vault calls for 100 concurrent decrypts of one new data key", max: 1 }],
    },
  ],
});
