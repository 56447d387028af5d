/**
 * The caller's binding of a ciphertext to where it lives: a flat `context` record (table,
 * column, row id …) and an optional tenant. Both are authenticated as associated data, so a
 * ciphertext copied to another row, column or tenant fails to decrypt.
 */
import { canonicalJson } from "../_internal/canonical-json.js";
import { utf8Encode } from "../_internal/encoding.js";
import { MoatError } from "../errors.js";

/** A context value: what fits in one cell of a flat record. */
export type ContextValue = string | number | boolean | null;

/** A flat record bound to a ciphertext, e.g. `{ table: "users", column: "ssn", rowId: 42 }`. */
export type EncryptionContext = Readonly<Record<string, ContextValue>>;

/** Options of every call that encrypts or decrypts one value. */
export interface BindingOptions {
  /** Where the value lives; decrypting under a different context fails. Use `{}` for none. */
  readonly context: EncryptionContext;
  /** The tenant that owns the value; selects its data keys and is authenticated too. */
  readonly tenantId?: string | undefined;
}

/** Context keys and their JSON, bounded so an accidental large object is refused. */
const MAX_CONTEXT_KEYS = 64;
const MAX_CONTEXT_BYTES = 16 * 1024;
/** Tenant ids are 1–256 characters. */
export const MAX_TENANT_ID_LENGTH = 256;

function invalid(message: string): MoatError {
  return new MoatError("ERR_INVALID_INPUT", { message });
}

/** @internal The tenant scope: the tenant id, or `""` for the default scope. */
export function tenantScope(tenantId: unknown): string {
  if (tenantId === undefined) return "";
  if (typeof tenantId !== "string" || tenantId.length === 0 || tenantId.length > MAX_TENANT_ID_LENGTH) {
    throw invalid("tenantId must be a string of 1-256 characters");
  }
  return tenantId;
}

/** @internal Checks a context record is flat and representable. */
export function checkContext(context: unknown): EncryptionContext {
  if (typeof context !== "object" || context === null || Array.isArray(context)) {
    throw invalid("context must be a flat object, e.g. { table, column, rowId }");
  }
  const proto: unknown = Object.getPrototypeOf(context);
  if (proto !== Object.prototype && proto !== null) throw invalid("context must be a plain object");
  const keys = Object.keys(context);
  if (keys.length > MAX_CONTEXT_KEYS) throw invalid("context has too many keys");
  const record: Record<string, ContextValue> = {};
  for (const key of keys) {
    const value: unknown = Reflect.get(context, key);
    if (value !== null && typeof value !== "string" && typeof value !== "boolean" && !(typeof value === "number" && Number.isFinite(value))) {
      throw invalid("context values must be strings, finite numbers, booleans or null");
    }
    record[key] = value;
  }
  return record;
}

/**
 * @internal The associated data that follows the binary header:
 * u32be(byte length of tenant) ‖ tenant (UTF-8) ‖ canonical JSON of the context (UTF-8).
 */
export function bindingBytes(options: unknown): { scope: string; tail: Uint8Array } {
  if (typeof options !== "object" || options === null) throw invalid("options with a context are required");
  const context = checkContext(Reflect.get(options, "context"));
  const scope = tenantScope(Reflect.get(options, "tenantId"));
  const json = utf8Encode(canonicalJson(context));
  if (json.length > MAX_CONTEXT_BYTES) throw invalid("context is too large");
  const tenant = utf8Encode(scope);
  const tail = new Uint8Array(4 + tenant.length + json.length);
  new DataView(tail.buffer).setUint32(0, tenant.length);
  tail.set(tenant, 4);
  tail.set(json, 4 + tenant.length);
  return { scope, tail };
}
