/**
 * The client's address behind proxies. `X-Forwarded-For` is a list each proxy appends its peer
 * to, and anyone can send one: only the entries added by proxies you trust are believed. The walk
 * starts at the socket and moves left through the list while the current hop is trusted; the
 * first untrusted hop is the client. Same semantics as express's `trust proxy` setting.
 *
 * Shared by `moatkit/express` (request context) and `moatkit/audit` (`auditContextFromRequest`).
 */
import { BlockList, isIP } from "node:net";
import { MoatError } from "../errors.js";

/**
 * Which proxies to believe:
 * - `false` (default): none, the client is the socket's peer;
 * - `true`: all of them, the client is the left-most `X-Forwarded-For` entry (only safe when the
 *   app is reachable solely through a proxy that overwrites the header);
 * - a number `n`: the `n` hops nearest the server (e.g. `1` behind one load balancer);
 * - addresses and CIDR ranges (`"10.0.0.0/8"`, `"::1"`), or the names `"loopback"`,
 *   `"linklocal"`, `"uniquelocal"`, as an array or a comma-separated string.
 */
export type TrustProxy = boolean | number | string | readonly string[];

const PRESETS: Readonly<Record<string, readonly string[]>> = {
  loopback: ["127.0.0.0/8", "::1/128"],
  linklocal: ["169.254.0.0/16", "fe80::/10"],
  uniquelocal: ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "fc00::/7"],
};

const MAX_FORWARDED_HOPS = 32;

/** Whether hop `index` (0 = the socket's peer) at `address` is a proxy to believe. */
type TrustFunction = (address: string, index: number) => boolean;

function configError(): MoatError {
  return new MoatError("ERR_CONFIG", {
    message: 'trustProxy must be a boolean, a hop count, or addresses/CIDR ranges such as "10.0.0.0/8" or "loopback"',
  });
}

function addRange(list: BlockList, entry: string): void {
  const [address = "", prefixText] = entry.split("/");
  const family = isIP(address);
  if (family === 0) throw configError();
  const type = family === 4 ? "ipv4" : "ipv6";
  if (prefixText === undefined) {
    list.addAddress(address, type);
    return;
  }
  const prefix = Number(prefixText);
  if (!/^\d{1,3}$/.test(prefixText) || prefix > (family === 4 ? 32 : 128)) throw configError();
  list.addSubnet(address, prefix, type);
}

/** Compiles a {@link TrustProxy} setting; ERR_CONFIG if it is malformed. */
export function compileTrust(setting: TrustProxy): TrustFunction {
  if (typeof setting === "boolean") return () => setting;
  if (typeof setting === "number") {
    if (!Number.isSafeInteger(setting) || setting < 0) throw configError();
    return (_address, index) => index < setting;
  }
  const entries = (typeof setting === "string" ? setting.split(",") : [...setting]).map((e) => e.trim());
  if (entries.length === 0) throw configError();
  const list = new BlockList();
  for (const entry of entries) {
    for (const range of PRESETS[entry] ?? [entry]) addRange(list, range);
  }
  return (address) => list.check(address, isIP(address) === 6 ? "ipv6" : "ipv4");
}

/** `::ffff:203.0.113.7` → `203.0.113.7`; other addresses unchanged. */
export function normalizeAddress(address: string): string {
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i.exec(address);
  return mapped?.[1] ?? address;
}

/** One `X-Forwarded-For` entry as an address: strips ports and brackets; undefined if invalid. */
function parseForwarded(entry: string): string | undefined {
  let value = entry.trim();
  const bracketed = /^\[([^\]]+)\](?::\d{1,5})?$/.exec(value);
  if (bracketed?.[1] !== undefined) value = bracketed[1];
  else if (/^\d{1,3}(?:\.\d{1,3}){3}:\d{1,5}$/.test(value)) value = value.slice(0, value.lastIndexOf(":"));
  return isIP(value) === 0 ? undefined : normalizeAddress(value);
}

/** The parts of a request {@link forwardedClientAddress} reads (a Node `IncomingMessage` has them). */
interface ForwardedRequest {
  /** The connection; its peer is the nearest hop. */
  readonly socket?: { readonly remoteAddress?: string | undefined } | null | undefined;
  /** Request headers with lower-case names. */
  readonly headers: Readonly<Record<string, string | readonly string[] | undefined>>;
}

/** The client address of `req` under `trust`, or undefined if the socket is already gone. */
export function forwardedClientAddress(req: ForwardedRequest, trust: TrustFunction): string | undefined {
  const peer = req.socket?.remoteAddress;
  if (peer === undefined) return undefined;
  let current = normalizeAddress(peer);
  const raw = req.headers["x-forwarded-for"];
  // Node joins repeated X-Forwarded-For headers; a hand-built request may hold them as a list.
  const header = typeof raw === "string" ? raw : raw?.join(",");
  if (header === undefined || header === "") return current;
  const hops = header.split(",").reverse();
  for (let index = 0; index < hops.length && index < MAX_FORWARDED_HOPS; index += 1) {
    if (!trust(current, index)) return current;
    const next = parseForwarded(hops[index] ?? "");
    // Past a malformed entry nothing is believable: the last trusted hop's peer is all we know.
    if (next === undefined) return current;
    current = next;
  }
  return current;
}
