/**
 * Sessions: JWT access tokens over rotating key sets, refresh sessions with rotation and reuse
 * detection, and one-time tokens (password reset, email verification). Built on jose.
 *
 * - {@link createKeySet} / {@link generateSigningKey}: one signing key, verify-only keys kept
 *   for a rotation window, a JWKS of the public keys.
 * - {@link createTokens}: `sign` and `verify` with a closed set of failure reasons.
 * - {@link createSessions}: refresh-token rotation, reuse detection, Auth0-style overlap.
 * - {@link createOneTimeTokens}: 256-bit tokens, hashed at rest, valid once.
 *
 * Stores: `moatkit/adapters/memory`, `moatkit/adapters/postgres`, `moatkit/adapters/redis`.
 *
 * @example
 * ```ts
 * import { createKeySet, createTokens, createSessions, generateSigningKey } from "moatkit/sessions";
 * import { createMemoryRefreshSessionStore } from "moatkit/adapters/memory";
 *
 * const keys = createKeySet([await generateSigningKey("EdDSA")]);
 * const tokens = createTokens({ keys, issuer: "https://auth.example.com", audience: "api" });
 * const sessions = createSessions({ tokens, store: createMemoryRefreshSessionStore() });
 * const { accessToken, refreshToken } = await sessions.start("user_42");
 * ```
 *
 * @module
 */
export {
  createKeySet,
  type KeySet,
  type KeySetEntry,
  type KeySetOptions,
  type KeyDescription,
  type PublicJwk,
  type Jwks,
  type JwsHeader,
  type JwsVerifyResult,
  type JwsFailureReason,
} from "./key-set.js";
export { SIGNING_ALGORITHMS, type SigningAlgorithm, type JsonWebKeyInput, type KeyMaterial } from "./key-material.js";
export { generateSigningKey, type GeneratedSigningKey, type GenerateSigningKeyOptions } from "./generate-key.js";
export {
  createTokens,
  type Tokens,
  type TokensOptions,
  type TokenVerifyResult,
  type AccessTokenClaims,
  type TokenClaimsInput,
} from "./tokens.js";
export type { TokenFailureReason } from "./jose-errors.js";
export type { InvalidationChannel, InvalidationListener } from "../_internal/invalidation-channel.js";
export {
  createRemoteKeySet,
  type RemoteKeySet,
  type RemoteKeySetOptions,
  type RemoteSigningAlgorithm,
} from "./remote-key-set.js";
export {
  createSessions,
  type Sessions,
  type SessionsOptions,
  type SessionTokens,
  type SessionRefreshResult,
  type RefreshFailureReason,
  type SessionVerifyResult,
  type ReuseEvent,
} from "./refresh-sessions.js";
export {
  createOneTimeTokens,
  type OneTimeTokens,
  type OneTimeTokensOptions,
  type IssuedOneTimeToken,
  type OneTimeTokenConsumeResult,
  type OneTimeTokenFailureReason,
} from "./one-time-tokens.js";
export type {
  RefreshSessionStore,
  RefreshSessionRecord,
  NewRefreshSession,
  RefreshTokenRotateInput,
  RefreshTokenRotateOutcome,
} from "./refresh-session-store.js";
export type { Duration } from "../_internal/duration.js";
export type {
  OneTimeTokenStore,
  OneTimeTokenRecord,
  OneTimeTokenConsumeInput,
  OneTimeTokenConsumeOutcome,
} from "./one-time-token-store.js";
export {
  createServerSessions,
  type ServerSessions,
  type ServerSessionsOptions,
  type ServerSessionInfo,
  type IssuedServerSession,
  type ServerSessionFailureReason,
  type ServerSessionClient,
} from "./server-sessions.js";
export {
  SERVER_SESSION_STORE_METHODS,
  type ServerSessionStore,
  type ServerSessionRecord,
  type ServerSessionTouchInput,
  type ServerSessionRekeyInput,
  type ServerSessionDeleteOthersInput,
} from "./server-session-store.js";
