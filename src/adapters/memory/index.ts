/**
 * In-memory stores for every moatkit store interface: for tests, demos and single-process apps.
 * Data lives in the process and is lost when it exits; nothing is shared between instances.
 *
 * @example
 * ```ts
 * import { createMemoryTotpStepStore } from "moatkit/adapters/memory";
 * const store = createMemoryTotpStepStore();
 * ```
 *
 * @module
 */
export { createMemoryTotpStepStore } from "./totp-step-store.js";
export { createMemoryRecoveryCodeStore } from "./recovery-code-store.js";
