/**
 * Cloud KMS failures in moatkit's terms. Both transports of the client (gRPC and HTTP/JSON)
 * reject with an error whose numeric `code` is the gRPC status; anything without one (a refused
 * connection, a proxy's HTML error page the client could not parse) did not reach the service.
 */
import { KeyProviderError, type KeyProviderFailure } from "../../crypto/key-provider.js";
import { safeCause } from "../../_internal/safe-cause.js";
import { isMoatError } from "../../errors.js";

/** gRPC status codes (google.rpc.Code) the provider distinguishes. */
export const GRPC_STATUS = {
  CANCELLED: 1,
  UNKNOWN: 2,
  INVALID_ARGUMENT: 3,
  DEADLINE_EXCEEDED: 4,
  NOT_FOUND: 5,
  PERMISSION_DENIED: 7,
  RESOURCE_EXHAUSTED: 8,
  FAILED_PRECONDITION: 9,
  ABORTED: 10,
  INTERNAL: 13,
  UNAVAILABLE: 14,
  UNAUTHENTICATED: 16,
} as const;

const FAILURE_BY_STATUS: ReadonlyMap<number, KeyProviderFailure> = new Map<number, KeyProviderFailure>([
  [GRPC_STATUS.CANCELLED, "unavailable"],
  // gRPC's answer for an exception the server did not classify: transient as far as we can tell.
  [GRPC_STATUS.UNKNOWN, "unavailable"],
  [GRPC_STATUS.DEADLINE_EXCEEDED, "timeout"],
  [GRPC_STATUS.NOT_FOUND, "not_found"],
  [GRPC_STATUS.PERMISSION_DENIED, "denied"],
  [GRPC_STATUS.UNAUTHENTICATED, "denied"],
  [GRPC_STATUS.RESOURCE_EXHAUSTED, "throttled"],
  // A disabled, destroyed or scheduled-for-destruction version (and a key of the wrong purpose).
  [GRPC_STATUS.FAILED_PRECONDITION, "key_disabled"],
  [GRPC_STATUS.ABORTED, "unavailable"],
  [GRPC_STATUS.INTERNAL, "unavailable"],
  [GRPC_STATUS.UNAVAILABLE, "unavailable"],
]);

const WHAT: Readonly<Record<KeyProviderFailure, string>> = {
  unavailable: "the service is unavailable",
  throttled: "the service refused for rate (RESOURCE_EXHAUSTED)",
  timeout: "the call did not finish before its deadline",
  denied: "the credentials were refused or lack permission on the key (PERMISSION_DENIED / UNAUTHENTICATED)",
  key_disabled: "the key version is disabled, destroyed or scheduled for destruction (FAILED_PRECONDITION)",
  not_found: "the key or key version does not exist (NOT_FOUND)",
  invalid_response: "the service answered something the provider cannot use",
};

/** The gRPC status of a client error, or `undefined` when it has none. */
export function grpcStatus(error: unknown): number | undefined {
  if (typeof error !== "object" || error === null) return undefined;
  const code: unknown = Reflect.get(error, "code");
  return typeof code === "number" && Number.isInteger(code) ? code : undefined;
}

/** A KeyProviderError naming the operation, the key version and the failure; never data. */
export function providerError(
  failure: KeyProviderFailure,
  operation: "encrypt" | "decrypt",
  keyName: string,
  detail?: string,
  cause?: unknown,
): KeyProviderError {
  const message = `gcp-kms ${operation} with ${keyName}: ${detail ?? WHAT[failure]}`;
  // The client's error carries the service's message and status details; keep a copy with its
  // name, code and stack only, as every moatkit cause is kept.
  return new KeyProviderError(failure, message, cause === undefined ? {} : { cause: safeCause(cause, isMoatError) });
}

/**
 * What a rejected client call means. A status the provider has no meaning for (UNIMPLEMENTED,
 * OUT_OF_RANGE, INVALID_ARGUMENT on encrypt, …) is `invalid_response`: not retried, since the
 * same request will get the same answer. No status at all is a transport failure: `unavailable`.
 */
export function failureOf(error: unknown): KeyProviderFailure {
  const status = grpcStatus(error);
  if (status === undefined) return "unavailable";
  return FAILURE_BY_STATUS.get(status) ?? "invalid_response";
}
