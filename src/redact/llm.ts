/**
 * Redaction for LLM calls: OpenAI-style `{ role, content }` message arrays, with string content
 * or content parts (`{ type: "text", text }`), and tool-call arguments.
 */
import { z } from "zod";
import { parseInput, parseOptions } from "../_internal/options.js";
import { compileEngine, type DetectionEngine } from "./engine.js";
import { builtinDetector } from "./detectors.js";
import { createPseudonymSession } from "./pseudonymize.js";
import type { RedactionPolicy } from "./policy.js";
import { compileReplacer } from "./replace.js";
import { renderRedacted } from "./render.js";

/** One chat message. Other fields are copied unchanged. */
export interface LlmMessage {
  /** `system`, `user`, `assistant`, `tool` … (not interpreted). */
  readonly role: string;
  /** Text, content parts, or null (an assistant message with tool calls only). */
  readonly content?: string | readonly LlmContentPart[] | null | undefined;
  /** Tool calls; their JSON `arguments` strings are redacted as text. */
  readonly tool_calls?: readonly LlmToolCall[] | undefined;
}

/** A tool call in an assistant message. */
export interface LlmToolCall {
  /** The function called. */
  readonly function?: {
    /** The call's arguments, a JSON string. */
    readonly arguments?: string;
  };
}

/** A content part; text parts are redacted, others copied. */
export interface LlmContentPart {
  /** `text`, `image_url` … */
  readonly type: string;
  /** The text of a `text` part. */
  readonly text?: string;
}

/** Options for {@link forLlm}. */
export interface ForLlmOptions {
  /**
   * `"pseudonymize"` (default): values become `<EMAIL_1>` placeholders and `restore` maps the
   * model's answer back. `"redact"`: values become labels and cannot be restored.
   */
  readonly mode?: "pseudonymize" | "redact";
}

/** The messages to send, and the way back for the answer. */
export interface LlmRedaction<M> {
  /** Copies of the messages with PII replaced (the input is never mutated). */
  readonly messages: M[];
  /** Puts the original values back into the model's answer (identity in `"redact"` mode). */
  restore(output: string): string;
}

const messagesSchema = z.array(
  z
    .object({
      role: z.string(),
      content: z.union([z.string(), z.array(z.object({ type: z.string() }).loose()), z.null()]).optional(),
      tool_calls: z
        .array(z.object({ function: z.object({ arguments: z.string().optional() }).loose().optional() }).loose())
        .optional(),
    })
    .loose(),
);

const policySchema = z.strictObject({
  enabled: z.boolean(),
  detectors: z.array(z.enum(["email", "ssn", "phone", "credit_card"])),
  decidedBy: z.enum(["org", "api_key"]).optional(),
});

const optionsSchema = z.strictObject({ mode: z.enum(["pseudonymize", "redact"]).optional() });

const engines = new Map<string, DetectionEngine>();

function engineFor(policy: RedactionPolicy): DetectionEngine {
  const key = [...policy.detectors].sort().join(",");
  let engine = engines.get(key);
  if (engine === undefined) {
    engine = compileEngine(policy.detectors.map(builtinDetector));
    engines.set(key, engine);
  }
  return engine;
}

const labels = compileReplacer("label", undefined);

/**
 * Redacts an OpenAI-style message array under a policy from `resolveRedactionPolicy`.
 * In the default mode the same value gets the same placeholder across all messages.
 *
 * @example
 * ```ts
 * const policy = resolveRedactionPolicy({ org: { enabled: true } });
 * const { messages, restore } = forLlm([{ role: "user", content: "Email bob@example.com" }], policy);
 * // messages[0].content === "Email <EMAIL_1>"
 * const answer = restore(await callModel(messages)); // "<EMAIL_1>" → "bob@example.com"
 * ```
 */
export function forLlm<M extends LlmMessage>(
  messages: readonly M[],
  policy: RedactionPolicy,
  options: ForLlmOptions = {},
): LlmRedaction<M> {
  parseInput(messagesSchema, messages, "forLlm messages");
  parseInput(policySchema, policy, "forLlm policy");
  parseOptions(optionsSchema, options, "forLlm options");
  if (!policy.enabled || policy.detectors.length === 0) return { messages: [...messages], restore: (output) => output };
  const engine = engineFor(policy);
  const session = options.mode === "redact" ? undefined : createPseudonymSession(engine);
  const text = (value: string): string => {
    if (session !== undefined) return session.apply(value);
    const triples = engine.resolve(value);
    return triples.length === 0 ? value : renderRedacted(value, triples, engine.types, labels);
  };
  const out = messages.map((message) => {
    const copy: M = { ...message };
    const content = message.content;
    if (typeof content === "string") {
      Object.assign(copy, { content: text(content) });
    } else if (Array.isArray(content)) {
      Object.assign(copy, {
        content: content.map((part: LlmContentPart) =>
          typeof part.text === "string" ? { ...part, text: text(part.text) } : { ...part },
        ),
      });
    }
    const toolCalls: LlmMessage["tool_calls"] = message.tool_calls;
    if (toolCalls !== undefined) {
      Object.assign(copy, {
        tool_calls: toolCalls.map((call: LlmToolCall) =>
          typeof call.function?.arguments === "string"
            ? { ...call, function: { ...call.function, arguments: text(call.function.arguments) } }
            : { ...call },
        ),
      });
    }
    return copy;
  });
  return { messages: out, restore: (output) => (session === undefined ? output : session.restore(output)) };
}
