/**
 * In-memory implementations of moatkit's store interfaces, for tests, demos and single-process
 * tools. They pass the same conformance suite as the Postgres and Redis stores; data lives only
 * as long as the process.
 *
 * @example
 * ```ts
 * import { createMemoryApiKeyStore } from "moatkit/adapters/memory";
 * const store = createMemoryApiKeyStore();
 * ```
 *
 * @module
 */
export { createMemoryApiKeyStore } from "./api-key-store.js";
