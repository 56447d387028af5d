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

/**
 * The eight 16-bit groups of an IPv6 address that `isIP` accepted: `::` expanded, an embedded
 * IPv4 tail (`::ffff:1.2.3.4`, `64:ff9b::1.2.3.4`) turned into two groups, a zone id dropped.
 */
function ipv6Groups(address: string): number[] {
  const zone = address.indexOf("%");
  const bare = zone === -1 ? address : address.slice(0, zone);
  const toGroups = (part: string): number[] => {
    if (part === "") return [];
    const groups: number[] = [];
    for (const piece of part.split(":")) {
      if (piece.includes(".")) {
        const [a = 0, b = 0, c = 0, d = 0] = piece.split(".").map(Number);
        groups.push((a << 8) | b, (c << 8) | d);
      } else {
        groups.push(parseInt(piece, 16));
      }
    }
    return groups;
  };
  const gap = bare.indexOf("::");
  if (gap === -1) return toGroups(bare);
  const head = toGroups(bare.slice(0, gap));
  const tail = toGroups(bare.slice(gap + 2));
  return [...head, ...new Array<number>(8 - head.length - tail.length).fill(0), ...tail];
}

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
  const hex = (list: readonly number[]): string => list.map((g) => g.toString(16)).join(":");
  if (bestStart === -1) return hex(groups);
  return `${hex(groups.slice(0, bestStart))}::${hex(groups.slice(bestStart + bestLength))}`;
}

/**
 * The rate-limit key of `address`: an IPv4 address as it is; an IPv4-mapped IPv6 address as its
 * IPv4 address; another IPv6 address as its network of `ipv6Prefix` bits in canonical form
 * (`2001:db8:1:2::/64`), or the canonical address itself at 128. A string that is not an IP
 * address is returned unchanged. `ipv6Prefix` must already be checked (32–128).
 */
export function groupAddress(address: string, ipv6Prefix: number): string {
  const family = isIP(address);
  if (family !== 6) return address;
  const groups = ipv6Groups(address);
  if (groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff) {
    const [high = 0, low = 0] = groups.slice(6);
    return `${String(high >> 8)}.${String(high & 0xff)}.${String(low >> 8)}.${String(low & 0xff)}`;
  }
  const masked = groups.map((group, index) => {
    const keep = Math.min(16, Math.max(0, ipv6Prefix - index * 16));
    return keep === 16 ? group : group & ((0xffff << (16 - keep)) & 0xffff);
  });
  const text = formatIpv6(masked);
  return ipv6Prefix === MAX_IPV6_PREFIX ? text : `${text}/${String(ipv6Prefix)}`;
}
