/**
 * The caller's binding of a ciphertext to where it lives: a flat `context` record (table,
 * column, row id …) and an optional tenant. Both are authenticated as associated data, so a
 * ciphertext copied to another row, column or tenant fails to decrypt.
 */
import { canonicalJson, canonicalString } from "../_internal/canonical-json.js";
import { assertKnownKeys, knownKeys } from "../_internal/options.js";
import { MoatError } from "../errors.js";
import { requireIdentifier } from "../_internal/identifier.js";

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

/** Context keys and the length of their JSON, bounded so an accidental large object is refused. */
const MAX_CONTEXT_KEYS = 64;
const MAX_CONTEXT_BYTES = 16 * 1024;

const BINDING_KEYS = knownKeys<BindingOptions>({ context: true, tenantId: true });

function invalid(message: string): MoatError {
  return new MoatError("ERR_INVALID_INPUT", { message });
}

/** @internal The tenant scope: the tenant id, or `""` for the default scope. */
export function tenantScope(tenantId: unknown): string {
  if (tenantId === undefined) return "";
  // The identifier rule also refuses lone surrogates, which have no UTF-8 form (they would become
  // U+FFFD, so two ids would bind alike).
  return requireIdentifier(tenantId, "tenantId");
}

/** The canonical JSON of one context value, or undefined when it is not one a context may hold. */
function valueJson(value: unknown): string | undefined {
  if (typeof value === "string") return canonicalString(value);
  if (typeof value === "number") return Number.isFinite(value) ? String(value) : undefined;
  if (typeof value === "boolean") return value ? "true" : "false";
  return value === null ? "null" : undefined;
}

/**
 * @internal Checks a context record is flat and representable, and gives its canonical JSON in
 * the same pass (each value is read once). Equal to `canonicalJson(context)`, which the rare
 * object with symbol keys or an own `toJSON` still goes through.
 */
function contextJson(context: unknown): string {
  if (typeof context !== "object" || context === null || Array.isArray(context)) {
    throw invalid("context must be a flat object, e.g. { table, column, rowId }");
  }
  const proto: unknown = Object.getPrototypeOf(context);
  if (proto !== Object.prototype && proto !== null) throw invalid("context must be a plain object");
  const keys = Object.keys(context);
  if (keys.length > MAX_CONTEXT_KEYS) throw invalid("context has too many keys");
  // Object.keys order is not the canonical one: sort by UTF-16 code units, as RFC 8785 does.
  if (keys.length > 1) keys.sort();
  let json = "{";
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i] ?? "";
    const value = valueJson(Reflect.get(context, key));
    if (value === undefined) throw invalid("context values must be strings, finite numbers, booleans or null");
    json += (i > 0 ? "," : "") + canonicalString(key) + ":" + value;
  }
  if (Object.hasOwn(context, "toJSON") || Object.getOwnPropertySymbols(context).length > 0)
    return canonicalJson(context);
  return json + "}";
}

/** @internal A call's validated binding: the tenant scope and the context's canonical JSON. */
export interface Binding {
  readonly scope: string;
  readonly json: string;
}

/** @internal Validates the options of one encrypt/decrypt call. */
export function readBinding(options: unknown): Binding {
  if (typeof options !== "object" || options === null) throw invalid("options with a context are required");
  // A loop rather than a schema: this runs on every encrypt and decrypt. A misspelt `tenantID`
  // would otherwise silently bind the value to the default scope.
  for (const key in options)
    if (key !== "context" && key !== "tenantId")
      assertKnownKeys(options, BINDING_KEYS, "encryption options", "ERR_INVALID_INPUT");
  const context: unknown = Reflect.get(options, "context");
  const json = contextJson(context);
  if (json.length > MAX_CONTEXT_BYTES) throw invalid("context is too large");
  return { scope: tenantScope(Reflect.get(options, "tenantId")), json };
}

const encoder = new TextEncoder();

/** UTF-8 of `text` into `out` at `offset`; ASCII (the usual context) without a native call. */
function writeUtf8(text: string, out: Uint8Array, offset: number): number {
  let o = offset;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c >= 0x80) return o + encoder.encodeInto(text.slice(i), out.subarray(o)).written;
    out[o++] = c;
  }
  return o;
}

let scratch = new Uint8Array(1024);

/**
 * @internal The associated data of a message: its binary header, then
 * u32be(byte length of tenant) ‖ tenant (UTF-8) ‖ canonical JSON of the context (UTF-8).
 * The result is a view of a shared scratch buffer, valid until the next call: use it at once.
 */
export function associatedData(header: Uint8Array, binding: Binding): Uint8Array {
  const bound = header.length + 4 + binding.scope.length * 3 + binding.json.length * 3;
  // One scratch buffer, reused: the AAD is handed to the AEAD synchronously and never kept, and
  // allocating a fresh ArrayBuffer per message was a visible share of a small field's cost.
  if (scratch.length < bound) scratch = new Uint8Array(Math.max(bound, scratch.length * 2));
  const out = scratch;
  out.set(header);
  const tenantStart = header.length + 4;
  const tenantEnd = writeUtf8(binding.scope, out, tenantStart);
  const tenantLength = tenantEnd - tenantStart;
  out[header.length] = tenantLength >>> 24;
  out[header.length + 1] = (tenantLength >>> 16) & 0xff;
  out[header.length + 2] = (tenantLength >>> 8) & 0xff;
  out[header.length + 3] = tenantLength & 0xff;
  return out.subarray(0, writeUtf8(binding.json, out, tenantEnd));
}
