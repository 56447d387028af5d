/**
 * The one workload every KMS bench runs (issue 20): the envelope with its master key held by a
 * provider — the real client against a protocol emulator on 127.0.0.1 answering every call after
 * 20 ms, a KMS round trip in the same region — against the same envelope with an environment key,
 * in the same run. A writer and a reader envelope (two processes sharing one data key store) do
 * 10,000 encrypt + decrypt over 10 tenants, 100 in flight, from cold caches; runs interleaved,
 * medians. Also: provider calls per tenant in that workload (the cache at work) and the calls 100
 * concurrent decrypts of one new data key make (single flight).
 */
import { randomBytes } from "node:crypto";
import { createMemoryDataKeyStore } from "../src/adapters/memory/index.js";
import { type Envelope, type MasterKeyInput, createEnvelope, createKeyring } from "../src/crypto/index.js";
import { type BenchSuite, type Metric, defineBenchSuite } from "./harness.js";
import { median } from "./stats.js";

const OPERATIONS = 10_000;
const TENANTS = 10;
const IN_FLIGHT = 100;
/** Each call's latency at the emulator, in ms. */
export const KMS_LATENCY_MS = 20;
const context = { table: "integrations", column: "api_key", rowId: 421337 };
const ENV = "environment key (stored data keys)";

/** A started emulator and what the workload needs from it. */
export interface KmsUnderBench {
  /** A keyring entry whose provider talks to the emulator (called once per envelope). */
  key(): MasterKeyInput;
  /** Requests the emulator has served, all operations together. */
  totalCalls(): number;
  close(): Promise<void>;
}

/** What one KMS bench file declares. */
export interface KmsBench {
  /** The service's name in the table, e.g. "Vault Transit". */
  readonly service: string;
  /** Interleaved runs of the throughput workload. */
  readonly runs: number;
  /** Starts the emulator, warms the client up (first-call set-up is not part of the workload) and sets the latency. */
  start(latencyMs: number): Promise<KmsUnderBench>;
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
async function workload(key: () => MasterKeyInput): Promise<number> {
  const store = createMemoryDataKeyStore();
  const writer: Envelope = createEnvelope({ keyring: createKeyring([key()]), dataKeys: store });
  const reader: Envelope = createEnvelope({ keyring: createKeyring([key()]), dataKeys: store });
  const started = performance.now();
  await inFlight(OPERATIONS, async (i) => {
    const tenantId = `tenant-${String(i % TENANTS)}`;
    const token = await writer.encrypt(`sk_live_${String(i)}`, { context, tenantId });
    await reader.decrypt(token, { context, tenantId });
  });
  return OPERATIONS / ((performance.now() - started) / 1000);
}

/** The bench suite of one provider. */
export function defineKmsBench(bench: KmsBench): BenchSuite {
  const KMS = `${bench.service} key, ${String(KMS_LATENCY_MS)} ms per call (stored data keys)`;
  const PER_TENANT = `${bench.service} calls per tenant (writer + reader, one cold run)`;
  const SINGLE_FLIGHT = `${bench.service} calls for 100 concurrent decrypts of one new data key`;
  const envKey: MasterKeyInput = { id: "env", key: new Uint8Array(randomBytes(32)) };
  let kms: KmsUnderBench | undefined;
  let callsPerTenant = Number.NaN;
  const started = (): KmsUnderBench => {
    if (kms === undefined) throw new Error("setup did not run");
    return kms;
  };

  async function throughput(): Promise<readonly Metric[]> {
    const env: number[] = [];
    const remote: number[] = [];
    let calls = 0;
    // Interleaved, so a slow moment of a shared machine hits both sides alike.
    for (let run = 0; run < bench.runs; run++) {
      env.push(await workload(() => envKey));
      const before = started().totalCalls();
      remote.push(await workload(() => started().key()));
      calls = started().totalCalls() - before;
    }
    callsPerTenant = calls / TENANTS;
    return [
      { task: ENV, value: median(env), unit: "ops/s" },
      { task: KMS, value: median(remote), unit: "ops/s" },
    ];
  }

  async function concurrentDecrypts(): Promise<readonly Metric[]> {
    const store = createMemoryDataKeyStore();
    const writer = createEnvelope({ keyring: createKeyring([started().key()]), dataKeys: store });
    const token = await writer.encrypt("hot", { context });
    const reader = createEnvelope({ keyring: createKeyring([started().key()]), dataKeys: store });
    const before = started().totalCalls();
    await Promise.all(Array.from({ length: 100 }, () => reader.decrypt(token, { context })));
    return [{ task: SINGLE_FLIGHT, value: started().totalCalls() - before, unit: "calls" }];
  }

  return defineBenchSuite({
    title: `Master key in ${bench.service} (the emulator, ${String(KMS_LATENCY_MS)} ms per call) vs an environment key`,
    async setup() {
      kms = await bench.start(KMS_LATENCY_MS);
    },
    async teardown() {
      await kms?.close();
    },
    groups: [
      {
        kind: "metrics",
        name: `${String(OPERATIONS)} encrypt+decrypt over ${String(TENANTS)} tenants, ${String(IN_FLIGHT)} in flight, cold caches`,
        baseline: ENV,
        higherIsBetter: true,
        run: throughput,
        targets: [{ task: KMS, minRatio: 0.5 }],
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
}
