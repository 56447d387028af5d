/**
 * Client addresses as rate-limit keys. One IPv6 client usually holds a whole /64 (SLAAC, privacy
 * extensions, a hosting provider's allocation) and can pick a fresh address per request, so a
 * bucket per address is no limit at all: IPv6 addresses are grouped by their network prefix.
 * IPv4-mapped IPv6 addresses (`::ffff:203.0.113.7`) are the IPv4 address they carry.
 *
 * Shared by `moatkit/ratelimit` (limiters, `addressKey`), `moatkit/express` (`rateLimit`) and
 * `moatkit/passwords` (`createLogin`).
 */
import { isIP } from "node:net";
import { z } from "zod";

/** The default IPv6 grouping: one /64, the smallest network an IPv6 client is normally given. */
export const DEFAULT_IPV6_PREFIX = 64;
/** The coarsest grouping accepted (a /32 is a whole provider's allocation). */
export const MIN_IPV6_PREFIX = 32;
/** The finest grouping: 128 bits, one bucket per address. */
export const MAX_IPV6_PREFIX = 128;

/** The `ipv6Prefix` option, shared by every option object that takes it. */
export const ipv6PrefixSchema: z.ZodType<number> = z.number().int().min(MIN_IPV6_PREFIX).max(MAX_IPV6_PREFIX);

/** Appends the four bytes of a dotted IPv4 tail (`"1.2.3.4"`) to `out` as two 16-bit groups. */
function pushIpv4Tail(tail: string, out: number[]): void {
  const [a = 0, b = 0, c = 0, d = 0] = tail.split(".").map(Number);
  out.push((a << 8) | b, (c << 8) | d);
}

/**
 * The eight 16-bit groups of an IPv6 address that `isIP` accepted: `::` expanded, an embedded
 * IPv4 tail (`::ffff:1.2.3.4`, `64:ff9b::1.2.3.4`) turned into two groups, a zone id dropped.
 * One pass over the characters (this runs on every rate-limit check).
 */
function ipv6Groups(address: string): number[] {
  const zone = address.indexOf("%");
  let end = zone === -1 ? address.length : zone;
  const lastColon = address.lastIndexOf(":", end - 1);
  const dot = address.indexOf(".", lastColon);
  const v4Tail = dot !== -1 && dot < end ? address.slice(lastColon + 1, end) : undefined;
  if (v4Tail !== undefined) end = lastColon + 1;
  const head: number[] = [];
  const tail: number[] = [];
  let current = head;
  let value = 0;
  let digits = 0;
  for (let i = 0; i < end; i += 1) {
    const code = address.charCodeAt(i);
    if (code === 58 /* : */) {
      if (digits > 0) current.push(value);
      else if (i > 0) current = tail; // the second colon of "::"
      value = 0;
      digits = 0;
      continue;
    }
    // 0-9, A-F, a-f: isIP has already refused anything else.
    value = value * 16 + (code <= 57 ? code - 48 : (code | 32) - 87);
    digits += 1;
  }
  if (digits > 0) current.push(value);
  if (v4Tail !== undefined) pushIpv4Tail(v4Tail, current);
  if (current === head) return head;
  while (head.length + tail.length < 8) head.push(0);
  for (const group of tail) head.push(group);
  return head;
}

/**
 * An IPv4-mapped address with a dotted tail, answered without parsing the groups. On an address
 * `isIP` accepted, only zero groups before `ffff` and the tail make eight groups: it is mapped.
 */
const MAPPED_DOTTED = /^[0:]*:ffff:(\d{1,3}(?:\.\d{1,3}){3})$/i;

/** RFC 5952 text: lower-case hex, no leading zeros, the longest run of two or more zero groups as `::`. */
function formatIpv6(groups: readonly number[]): string {
  let bestStart = -1;
  let bestLength = 1;
  for (let i = 0; i < groups.length;) {
    if (groups[i] !== 0) {
      i += 1;
      continue;
    }
    let j = i;
    while (j < groups.length && groups[j] === 0) j += 1;
    if (j - i > bestLength) {
      bestStart = i;
      bestLength = j - i;
    }
    i = j;
  }
  let text = "";
  for (let i = 0; i < groups.length; i += 1) {
    if (i === bestStart) {
      text += "::";
      i += bestLength - 1;
      continue;
    }
    if (text !== "" && !text.endsWith(":")) text += ":";
    text += (groups[i] ?? 0).toString(16);
  }
  return text;
}

/**
 * The rate-limit key of `address`: an IPv4 address as it is; an IPv4-mapped IPv6 address as its
 * IPv4 address; another IPv6 address as its network of `ipv6Prefix` bits in canonical form
 * (`2001:db8:1:2::/64`), or the canonical address itself at 128. A string that is not an IP
 * address is returned unchanged. `ipv6Prefix` must already be checked (32–128).
 */
export function groupAddress(address: string, ipv6Prefix: number): string {
  if (isIP(address) !== 6) return address;
  const mapped = MAPPED_DOTTED.exec(address);
  if (mapped?.[1] !== undefined) return mapped[1];
  const groups = ipv6Groups(address);
  const [g0, g1, g2, g3, g4, g5, high = 0, low = 0] = groups;
  if (g0 === 0 && g1 === 0 && g2 === 0 && g3 === 0 && g4 === 0 && g5 === 0xffff)
    return `${String(high >> 8)}.${String(high & 0xff)}.${String(low >> 8)}.${String(low & 0xff)}`;
  for (let index = Math.floor(ipv6Prefix / 16); index < 8; index += 1) {
    const keep = Math.max(0, ipv6Prefix - index * 16);
    groups[index] = (groups[index] ?? 0) & ((0xffff << (16 - keep)) & 0xffff);
  }
  const text = formatIpv6(groups);
  return ipv6Prefix === MAX_IPV6_PREFIX ? text : `${text}/${String(ipv6Prefix)}`;
}
