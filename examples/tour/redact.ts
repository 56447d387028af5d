import { createRedactor, forLlm, redact, resolveRedactionPolicy } from "moatkit/redact";
import type { TourSection } from "./section.js";

const section: TourSection = {
  title: "PII redaction for logs and LLM prompts",
  async run(say) {
    // 1. A log line: emails, phones, SSNs and cards (issuer + length + Luhn) become labels;
    //    the millisecond timestamp, the IP and the order id are left alone.
    const line =
      "2024-05-12T08:15:23Z ts=1715501723481 ip=203.0.113.42 order=ORD-2024-0042917 user=alice+billing@example.com card=4242 4242 4242 4242 phone=(415) 555-0132";
    say(`log line:  ${line}`);
    say(`redacted:  ${redact(line)}`);

    // 2. Keyed tags instead of labels: the same value always gives the same tag, so redacted
    //    logs can still be correlated, and nobody without the key can reverse or confirm one.
    const tagged = createRedactor({ replace: "hash", hashKey: "demo-key-0123456789abcdef" });
    say(`hash tags: ${tagged.redact("alice@example.com → ALICE@example.com")}`);

    // 3. An LLM prompt under the org's policy: values become placeholders that the model can
    //    refer to, and the answer is mapped back before it reaches the user.
    const policy = resolveRedactionPolicy({ org: { enabled: true }, apiKey: { redaction: "inherit" } });
    const { messages, restore } = forLlm(
      [
        {
          role: "user",
          content: "Write to bob@example.com that his SSN 536-22-4781 is verified; call (415) 555-0132 if not.",
        },
      ],
      policy,
    );
    say(`to the model:   ${String(messages[0]?.content)}`);
    const modelAnswer = "Dear <EMAIL_1>, your SSN <SSN_1> is verified. If anything is wrong we will call <PHONE_1>.";
    say(`model answered: ${modelAnswer}`);
    say(`restored:       ${restore(modelAnswer)}`);

    // 4. An API key can opt out of its org's redaction (the key's override wins).
    const off = resolveRedactionPolicy({ org: { enabled: true }, apiKey: { redaction: "off" } });
    say(`policy for a key with redaction "off": enabled=${String(off.enabled)} (decided by ${off.decidedBy})`);
    await Promise.resolve();
  },
};
export default section;
