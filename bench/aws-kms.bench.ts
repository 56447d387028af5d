/**
 * What keeping the master key in AWS KMS costs (the real `KMSClient` against the AWS KMS
 * emulator), in the workload every KMS bench shares: see bench/kms-workload.ts.
 */
import { createAwsKmsProvider } from "../src/kms/aws/index.js";
import { clientFor } from "../test/kms/aws-setup.js";
import { AwsKmsEmulator } from "../test/kms/emulators/aws-kms.js";
import { defineKmsBench } from "./kms-workload.js";

export default defineKmsBench({
  service: "AWS KMS",
  runs: 3,
  async start(latencyMs) {
    const emulator = await AwsKmsEmulator.start("us-east-1");
    const keyId = emulator.createKey();
    emulator.setLatency(latencyMs);
    return {
      key: () => ({ id: "aws", provider: createAwsKmsProvider({ client: clientFor(emulator), keyId }) }),
      totalCalls: () => Object.values(emulator.calls()).reduce((n, c) => n + c, 0),
      close: () => emulator.close(),
    };
  },
});
