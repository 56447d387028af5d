/**
 * The envelope users call (`createEnvelope` with an AWS KMS key as a keyring entry), through the
 * real `KMSClient` against the emulator: round trip, context binding at KMS, the ARN pin across
 * a rotation, retirement and rewrap (from an environment key and between KMS keys), and outages
 * and throttling through the envelope's retries. Run for a single-Region key and for a
 * multi-Region key with a replica Region.
 */
import { createAwsKmsProvider } from "../../src/kms/aws/index.js";
import { clientFor, singleRegion, twoRegions } from "./aws-setup.js";
import { describeProviderEnvelope, type ProviderEnvelopeUnderTest } from "./envelope-suite.js";

describeProviderEnvelope("aws-kms", async (): Promise<ProviderEnvelopeUnderTest> => {
  const subject = await singleRegion();
  // Another key of the same account and Region: what a move to a new KMS key rewraps onto.
  const next = createAwsKmsProvider({ client: clientFor(subject.kms), keyId: subject.kms.createKey() });
  return { ...subject, next };
});

describeProviderEnvelope("aws-kms (multi-Region key with a replica)", async (): Promise<ProviderEnvelopeUnderTest> => {
  const subject = await twoRegions();
  const next = createAwsKmsProvider({ client: clientFor(subject.primary), keyId: subject.primary.createKey() });
  return { ...subject, next };
});
