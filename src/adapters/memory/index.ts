/**
 * In-memory stores for every moatkit store interface: for tests, demos and single-process
 * tools. Nothing survives a restart.
 *
 * @example
 * ```ts
 * import { createMemoryDataKeyStore } from "moatkit/adapters/memory";
 * const dataKeys = createMemoryDataKeyStore();
 * ```
 *
 * @module
 */
export { createMemoryDataKeyStore } from "./data-key-store.js";
