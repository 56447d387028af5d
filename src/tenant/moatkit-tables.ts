/**
 * moatkit's own tables, as `migrate()` creates them, classified for the RLS linter. None is a
 * tenant table: each is read by a moatkit store that scopes rows itself, often before any
 * tenant is known, so putting it under tenant RLS would break the feature (with RLS on
 * `moatkit_api_keys`, every key verifies as `not_found`). `checkRls` skips them, with the reason.
 */

const GLOBAL_STORE = "moatkit store keyed by id or hash, read outside any tenant transaction";

/** Table name → why `checkRls` does not hold it to tenant isolation. */
export const MOATKIT_TABLES: Readonly<Record<string, string>> = Object.freeze({
  moatkit_api_keys:
    "moatkit's API key table: verify() looks a key up by its hash before the tenant is known (the key tells which tenant it belongs to), so tenant RLS would make every key not_found",
  moatkit_audit_events:
    "moatkit's audit log: chained per organisation, append-only through its own roles (check them with inspectAuditRole)",
  moatkit_audit_anchors: "moatkit's audit prune anchors: read by audit verification across the chain, append-only",
  moatkit_data_keys: `moatkit's wrapped data keys: a ${GLOBAL_STORE}`,
  moatkit_data_key_current: `moatkit's current data key per scope: a ${GLOBAL_STORE}`,
  moatkit_totp_steps: `moatkit's TOTP replay guard: a ${GLOBAL_STORE}`,
  moatkit_recovery_codes: `moatkit's MFA recovery codes: a ${GLOBAL_STORE}`,
  moatkit_refresh_sessions: `moatkit's refresh sessions: a ${GLOBAL_STORE}`,
  moatkit_refresh_tokens: `moatkit's refresh tokens: a ${GLOBAL_STORE}`,
  moatkit_one_time_tokens: `moatkit's one-time tokens: a ${GLOBAL_STORE}`,
  moatkit_server_sessions: `moatkit's server-side sessions: a ${GLOBAL_STORE}`,
  moatkit_migrations: "moatkit's migration ledger",
});

/** Why `table` is one of moatkit's own, or undefined. */
export function moatkitTableReason(table: string): string | undefined {
  return Object.hasOwn(MOATKIT_TABLES, table) ? MOATKIT_TABLES[table] : undefined;
}
