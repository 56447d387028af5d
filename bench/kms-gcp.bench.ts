/**
 * The envelope with its master key in Cloud KMS — the real `@google-cloud/kms` client on its REST
 * transport, against the emulator answering every call 20 ms late — against the same envelope
 * with an environment key, in the same run (the workload of bench/kms.bench.ts, for Vault):
 * 10,000 encrypt+decrypt over 10 tenants with 100 in flight, a writer and a reader envelope
 * starting cold each run, five runs interleaved, medians. Also the Cloud KMS calls that costs
 * per tenant, and the calls 100 concurrent decrypts of one new data key make.
 *
 * One client serves every run, created and warmed up in setup, as a service holds one.
 */
import { randomBytes } from "node:crypto";
import { createMemoryDataKeyStore } from "../src/adapters/memory/index.js";
import { type Envelope, type MasterKeyInput, createEnvelope, createKeyring } from "../src/crypto/index.js";
import { createGcpKmsProvider, type GcpKmsProvider } from "../src/kms/gcp/index.js";
import { type GcpKmsEmulator, startGcpKmsEmulator } from "../test/kms/emulators/gcp-kms.js";
import { type Metric, defineBenchSuite } from "./harness.js";

const OPERATIONS = 10_000;
const TENANTS = 10;
const IN_FLIGHT = 100;
const LATENCY_MS = 20;
const RUNS = 5;
const context = { table: "integrations", column: "api_key", rowId: 421337 };
const ENV = "environment key (stored data keys)";
const GCP = `Cloud KMS key, ${String(LATENCY_MS)} ms per call (stored data keys)`;
const PER_TENANT = "Cloud KMS calls per tenant (writer + reader, one cold run)";
const SINGLE_FLIGHT = "Cloud KMS calls for 100 concurrent decrypts of one new data key";

let emulator: GcpKmsEmulator | undefined;
let provider: GcpKmsProvider | undefined;
const envKey: MasterKeyInput = { id: "env", key: new Uint8Array(randomBytes(32)) };

function gcpKey(): MasterKeyInput {
  if (provider === undefined) throw new Error("setup did not run");
  return { id: "gcp", provider };
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

let callsPerTenant = Number.NaN;

async function throughput(): Promise<readonly Metric[]> {
  const env: number[] = [];
  const gcp: number[] = [];
  let calls = 0;
  // Interleaved, so a slow moment of a shared machine hits both sides alike.
  for (let run = 0; run < RUNS; run++) {
    env.push(await workload(envKey));
    const before = totalCalls();
    gcp.push(await workload(gcpKey()));
    calls = totalCalls() - before;
  }
  callsPerTenant = calls / TENANTS;
  return [
    { task: ENV, value: median(env), unit: "ops/s" },
    { task: GCP, value: median(gcp), unit: "ops/s" },
  ];
}

async function concurrentDecrypts(): Promise<readonly Metric[]> {
  const store = createMemoryDataKeyStore();
  const token = await createEnvelope({ keyring: createKeyring([gcpKey()]), dataKeys: store }).encrypt("hot", {
    context,
  });
  const reader = createEnvelope({ keyring: createKeyring([gcpKey()]), dataKeys: store });
  const before = totalCalls();
  await Promise.all(Array.from({ length: 100 }, () => reader.decrypt(token, { context })));
  return [{ task: SINGLE_FLIGHT, value: totalCalls() - before, unit: "calls" }];
}

export default defineBenchSuite({
  title: "Master key in Cloud KMS (the real client against the emulator) vs an environment key",
  async setup() {
    emulator = await startGcpKmsEmulator();
    provider = createGcpKmsProvider({ client: emulator.client(), keyVersionName: emulator.firstVersionName });
    // The client loads its protos and opens its connection on the first call: not part of the workload.
    const signal = AbortSignal.timeout(30_000);
    const warm = { keyId: "gcp", mode: "embedded", dataKeyId: "", scope: "", purpose: "moatkit/v1 data-key" } as const;
    await provider.unwrap(await provider.wrap(randomBytes(32), warm, { signal }), warm, { signal });
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
      targets: [{ task: GCP, minRatio: 0.5 }],
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
      targets: [{ task: SINGLE_FLIGHT, max: 1 }],
    },
  ],
});
