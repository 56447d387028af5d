/**
 * The envelope with its master key in Cloud KMS (the real `@google-cloud/kms` client on its REST
 * transport, against the emulator answering every call 20 ms late) against the same envelope
 * with an environment key, in the same run: 10,000 encrypt+decrypt over 10 tenants served
 * concurrently, the provider calls that cost per tenant, and the calls 100 concurrent decrypts
 * of one new data key make.
 */
import { createMemoryDataKeyStore } from "../src/adapters/memory/index.js";
import { type Envelope, type MasterKeyInput, createEnvelope, createKeyring } from "../src/crypto/index.js";
import { createGcpKmsProvider } from "../src/kms/gcp/index.js";
import { type GcpKmsEmulator, startGcpKmsEmulator } from "../test/kms/emulators/gcp-kms.js";
import { type Metric, defineBenchSuite } from "./harness.js";

const TENANTS = 10;
const OPERATIONS = 10_000;
const LATENCY_MS = 20;
const context = { table: "integrations", column: "api_key", rowId: 7 };
const ENV = "environment key, data-key store";
const GCP = "Cloud KMS key (20 ms per call), data-key store";

let emulator: GcpKmsEmulator | undefined;

function envelopeOver(key: MasterKeyInput): Envelope {
  return createEnvelope({ keyring: createKeyring([key]), dataKeys: createMemoryDataKeyStore() });
}

/** Each tenant's share of the operations, the tenants served concurrently; ops/s. */
async function throughput(envelope: Envelope): Promise<number> {
  const start = performance.now();
  await Promise.all(
    Array.from({ length: TENANTS }, async (_, t) => {
      const tenantId = `tenant-${String(t)}`;
      for (let i = 0; i < OPERATIONS / TENANTS; i++) {
        const token = await envelope.encrypt(`sk_live_${String(i)}`, { context, tenantId });
        await envelope.decryptString(token, { context, tenantId });
      }
    }),
  );
  return OPERATIONS / ((performance.now() - start) / 1000);
}

function callsOf(e: GcpKmsEmulator): number {
  return Object.values(e.calls()).reduce((n, c) => n + c, 0);
}

export default defineBenchSuite({
  title: "moatkit/kms/gcp: the envelope over Cloud KMS",
  async setup() {
    emulator = await startGcpKmsEmulator();
    emulator.setLatency(LATENCY_MS);
  },
  async teardown() {
    await emulator?.close();
  },
  groups: [
    {
      kind: "metrics",
      name: `${String(OPERATIONS)} encrypt+decrypt over ${String(TENANTS)} concurrent tenants`,
      baseline: ENV,
      higherIsBetter: true,
      targets: [
        { task: GCP, minRatio: 0.5 },
        { task: "Cloud KMS calls per tenant", max: 2 },
      ],
      async run(): Promise<readonly Metric[]> {
        if (emulator === undefined) throw new Error("setup did not run");
        const provider = createGcpKmsProvider({ client: emulator.client(), keyVersionName: emulator.firstVersionName });
        const env = await throughput(envelopeOver({ id: "env1", key: crypto.getRandomValues(new Uint8Array(32)) }));
        const before = callsOf(emulator);
        const gcp = await throughput(envelopeOver({ id: "gcp1", provider }));
        return [
          { task: ENV, value: env, unit: "ops/s" },
          { task: GCP, value: gcp, unit: "ops/s" },
          { task: "Cloud KMS calls per tenant", value: (callsOf(emulator) - before) / TENANTS, unit: "calls" },
        ];
      },
    },
    {
      kind: "metrics",
      name: "100 concurrent decrypts of one new data key",
      higherIsBetter: false,
      targets: [{ task: "Cloud KMS calls", max: 1 }],
      async run(): Promise<readonly Metric[]> {
        if (emulator === undefined) throw new Error("setup did not run");
        const provider = createGcpKmsProvider({ client: emulator.client(), keyVersionName: emulator.firstVersionName });
        const store = createMemoryDataKeyStore();
        const writer = createEnvelope({ keyring: createKeyring([{ id: "gcp1", provider }]), dataKeys: store });
        const token = await writer.encrypt("hot", { context, tenantId: "hot" });
        const reader = createEnvelope({ keyring: createKeyring([{ id: "gcp1", provider }]), dataKeys: store });
        const before = callsOf(emulator);
        await Promise.all(Array.from({ length: 100 }, () => reader.decryptString(token, { context, tenantId: "hot" })));
        return [{ task: "Cloud KMS calls", value: callsOf(emulator) - before, unit: "calls" }];
      },
    },
  ],
});
