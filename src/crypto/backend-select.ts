/** Choosing a backend: node:crypto where the runtime has it, the pure-JS one elsewhere. */
import { MoatError } from "../errors.js";
import type { CryptoBackend, CryptoBackendName } from "./backend.js";
import { createNodeBackend, loadNodeCrypto } from "./backend-node.js";
import { nobleBackend } from "./backend-noble.js";

let nodeBackend: CryptoBackend | null | undefined;

/** @internal The node:crypto backend, or `undefined` where node:crypto is not available. */
export function nodeCryptoBackend(): CryptoBackend | undefined {
  if (nodeBackend === undefined) {
    const nodeCrypto = loadNodeCrypto();
    nodeBackend = nodeCrypto === undefined ? null : createNodeBackend(nodeCrypto);
  }
  return nodeBackend ?? undefined;
}

/**
 * @internal Resolves a backend option (`node` is the node:crypto backend, `null` where missing). `"auto"` (the default) is node:crypto when the runtime
 * has it and the pure-JS backend otherwise; naming `"node"` where it is missing is a config error.
 */
export function resolveBackend(
  name: CryptoBackendName | "auto" = "auto",
  node: CryptoBackend | null = nodeCryptoBackend() ?? null,
): CryptoBackend {
  if (name === "noble") return nobleBackend;
  if (node !== null) return node;
  if (name === "node") {
    throw new MoatError("ERR_CONFIG", {
      message: 'backend "node" was requested but node:crypto is not available here',
    });
  }
  return nobleBackend;
}
