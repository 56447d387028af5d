/**
 * `addressKey`: a client address as a rate-limit key, so one IPv6 client cannot get a fresh
 * bucket per address by rotating through its /64.
 */
import { z } from "zod";
import { DEFAULT_IPV6_PREFIX, groupAddress, ipv6PrefixSchema } from "../_internal/address-key.js";
import { parseInput, parseOptions } from "../_internal/options.js";

/** Options of {@link addressKey}. */
export interface AddressKeyOptions {
  /**
   * How many leading bits of an IPv6 address name one client (32–128, default 64): every address
   * in one network of this size shares a key. 48 groups a whole site; 128 keys each address.
   */
  readonly ipv6Prefix?: number | undefined;
}

const optionsSchema = z.strictObject({ ipv6Prefix: ipv6PrefixSchema.optional() });

/**
 * The rate-limit key of a client address:
 *
 * - an IPv4 address is its own key;
 * - an IPv4-mapped IPv6 address (`::ffff:203.0.113.7`) is the IPv4 address it carries;
 * - any other IPv6 address is its network of `ipv6Prefix` bits (default /64) in canonical form,
 *   so `2001:db8:1:2::7`, `2001:DB8:1:2:0:0:0:9` and `2001:db8:1:2::7%eth0` are all
 *   `"2001:db8:1:2::/64"`;
 * - a string that is not an IP address (`"unknown"`, `"acct:42"`) is returned unchanged.
 *
 * Limiters from `moatkit/ratelimit` apply this themselves to every key that is a bare address,
 * and so do `rateLimit()` (moatkit/express) and `createLogin` (moatkit/passwords) for the keys
 * they build; call it when you build keys of your own that contain an address.
 *
 * @throws MoatError ERR_INVALID_INPUT when `address` is not a string; ERR_CONFIG for invalid options.
 * @example
 * ```ts
 * import { addressKey } from "moatkit/ratelimit";
 * import { clientAddress } from "moatkit/express";
 * const key = `signup:${addressKey(clientAddress(req))}`; // "signup:2001:db8:1:2::/64"
 * ```
 */
export function addressKey(address: string, options: AddressKeyOptions = {}): string {
  const input = parseInput(z.string(), address, "addressKey address");
  const { ipv6Prefix } = parseOptions(optionsSchema, options, "addressKey options");
  return groupAddress(input, ipv6Prefix ?? DEFAULT_IPV6_PREFIX);
}
