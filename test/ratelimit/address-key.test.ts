import { BlockList } from "node:net";
import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { addressKey, createRateLimiter, loginLimiter } from "../../src/ratelimit/index.js";
import { createMemoryRateLimitStore } from "../../src/adapters/memory/index.js";
import { fakeClock } from "../../src/testing/index.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";

/** Eight 16-bit groups as full, uncompressed IPv6 text. */
const full = (groups: readonly number[]): string => groups.map((g) => g.toString(16)).join(":");
const groupsArb = fc.array(fc.integer({ min: 0, max: 0xffff }), { minLength: 8, maxLength: 8 });
/** Addresses that are not IPv4-mapped (those count as IPv4, tested apart). */
const ipv6Arb = groupsArb.filter((g) => !(g.slice(0, 5).every((x) => x === 0) && g[5] === 0xffff));

/** The same address written another legal way: upper case, `::` over the longest zero run. */
function rewrite(groups: readonly number[], upper: boolean): string {
  let start = -1;
  let length = 0;
  for (let i = 0; i < 8; i += 1) {
    let j = i;
    while (j < 8 && groups[j] === 0) j += 1;
    if (j - i > length) [start, length] = [i, j - i];
  }
  const hex = (list: readonly number[]) => list.map((g) => g.toString(16).padStart(upper ? 4 : 1, "0")).join(":");
  const text = start === -1 ? hex(groups) : `${hex(groups.slice(0, start))}::${hex(groups.slice(start + length))}`;
  return upper ? text.toUpperCase() : text;
}

describe("addressKey: one IPv6 client, one bucket", () => {
  it("rotating 120 addresses inside one /64 is throttled like one client (loginLimiter, 50 per 15 min)", async () => {
    const limiter = loginLimiter({ now: fakeClock().now });
    const results = [];
    for (let i = 1; i <= 120; i += 1)
      results.push(await limiter.consume(`2001:db8:7:1:${i.toString(16)}::${String(i)}`));
    expect(results.filter((r) => r.ok)).toHaveLength(50);
    expect(results.slice(50).every((r) => !r.ok)).toBe(true);
    // Another /64 is another client.
    expect((await limiter.consume("2001:db8:7:2::1")).ok).toBe(true);
  });

  it("counts an IPv4-mapped address and its IPv4 address in one bucket", async () => {
    const limiter = createRateLimiter({
      store: createMemoryRateLimitStore(),
      keyPrefix: "t",
      points: 2,
      duration: "1m",
    });
    expect((await limiter.consume("203.0.113.7")).ok).toBe(true);
    expect((await limiter.consume("::ffff:203.0.113.7")).ok).toBe(true);
    expect((await limiter.consume("::FFFF:cb00:7107")).ok).toBe(false);
    await limiter.reset("::ffff:203.0.113.7");
    expect((await limiter.consume("203.0.113.7")).ok).toBe(true);
  });

  it("groups by the limiter's ipv6Prefix: /48 makes one bucket of a site, /128 one per address", async () => {
    const store = createMemoryRateLimitStore();
    const site = createRateLimiter({ store, keyPrefix: "s", points: 1, duration: "1m", ipv6Prefix: 48 });
    expect(site.ipv6Prefix).toBe(48);
    expect((await site.consume("2001:db8:7:1::1")).ok).toBe(true);
    expect((await site.consume("2001:db8:7:ffff::1")).ok).toBe(false);
    const each = createRateLimiter({ store, keyPrefix: "e", points: 1, duration: "1m", ipv6Prefix: 128 });
    expect((await each.consume("2001:db8:7:1::1")).ok).toBe(true);
    expect((await each.consume("2001:db8:7:1::2")).ok).toBe(true);
    expect((await each.consume("2001:DB8:7:1:0:0:0:2")).ok).toBe(false);
    expect(loginLimiter().ipv6Prefix).toBe(64);
  });

  it("leaves keys that are not bare addresses alone", async () => {
    const limiter = createRateLimiter({
      store: createMemoryRateLimitStore(),
      keyPrefix: "t",
      points: 1,
      duration: "1m",
    });
    expect((await limiter.consume("acct:2001:db8::1")).ok).toBe(true);
    expect((await limiter.consume("acct:2001:db8::2")).ok).toBe(true);
  });
});

describe("addressKey: forms", () => {
  it.each([
    ["203.0.113.7", "203.0.113.7"],
    ["::ffff:203.0.113.7", "203.0.113.7"],
    ["::FFFF:CB00:7107", "203.0.113.7"],
    ["0:0:0:0:0:ffff:203.0.113.7", "203.0.113.7"],
    ["0::ffff:203.0.113.7", "203.0.113.7"],
    ["::0:ffff:203.0.113.7", "203.0.113.7"],
    ["::ffff:0:203.0.113.7", "::/64"], // IPv4-translated (SIIT), not mapped
    ["::ffff:203.0.113.7%eth0", "203.0.113.7"],
    ["64:ff9b::203.0.113.7", "64:ff9b::/64"],
    ["1:2:3:4:5:6:203.0.113.7", "1:2:3:4::/64"],
    ["2001:db8:1:2:3:4:5:6", "2001:db8:1:2::/64"],
    ["2001:DB8:0001:0002::", "2001:db8:1:2::/64"],
    ["2001:db8::1.2.3.4", "2001:db8::/64"],
    ["fe80::1%eth0", "fe80::/64"],
    ["fe80::abcd%25en0", "fe80::/64"],
    ["::1", "::/64"],
    ["::", "::/64"],
    ["1:0:0:1::", "1:0:0:1::/64"],
    ["1:0:0:0:1:0:0:0", "1::/64"],
    ["unknown", "unknown"],
    ["ip:2001:db8::1", "ip:2001:db8::1"],
  ])("%s → %s", (address, key) => {
    expect(addressKey(address)).toBe(key);
  });

  it("honours ipv6Prefix and refuses what is not a prefix length of 32–128", () => {
    expect(addressKey("2001:db8:abcd:1234::1", { ipv6Prefix: 48 })).toBe("2001:db8:abcd::/48");
    expect(addressKey("2001:db8:abcd:1234::1", { ipv6Prefix: 56 })).toBe("2001:db8:abcd:1200::/56");
    expect(addressKey("2001:db8:abcd:1234:0:0:0:0001", { ipv6Prefix: 128 })).toBe("2001:db8:abcd:1234::1");
    expect(addressKey("::ffff:10.0.0.1", { ipv6Prefix: 32 })).toBe("10.0.0.1");
    for (const ipv6Prefix of [0, 31, 129, 64.5, "64", Number.NaN])
      expectMoatError(() => addressKey("::1", { ipv6Prefix } as never), "ERR_CONFIG");
    expectMoatError(() => addressKey("::1", { ipv6prefix: 48 } as never), "ERR_CONFIG");
    for (const wrong of WRONG_TYPES.filter((v) => typeof v !== "string"))
      expectMoatError(() => addressKey(wrong as string), "ERR_INVALID_INPUT");
    for (const ipv6Prefix of [0, 129])
      expectMoatError(
        () =>
          createRateLimiter({
            store: createMemoryRateLimitStore(),
            keyPrefix: "t",
            points: 1,
            duration: "1m",
            ipv6Prefix,
          }),
        "ERR_CONFIG",
      );
  });
});

describe("addressKey: properties", () => {
  it("maps every address of one /64 to one key, whichever way it is written", () => {
    fc.assert(
      fc.property(ipv6Arb, groupsArb, fc.boolean(), (net, host, upper) => {
        const a = [...net.slice(0, 4), ...host.slice(4)];
        expect(addressKey(rewrite(a, upper))).toBe(addressKey(full(net)));
      }),
    );
  });

  it("maps addresses in different /64s to different keys", () => {
    fc.assert(
      fc.property(ipv6Arb, ipv6Arb, (a, b) => {
        fc.pre(full(a.slice(0, 4)) !== full(b.slice(0, 4)));
        expect(addressKey(full(a))).not.toBe(addressKey(full(b)));
      }),
    );
  });

  it("agrees with node's BlockList on subnet membership for any prefix", () => {
    fc.assert(
      fc.property(ipv6Arb, ipv6Arb, fc.integer({ min: 32, max: 128 }), (a, b, ipv6Prefix) => {
        const list = new BlockList();
        list.addSubnet(full(a), ipv6Prefix, "ipv6");
        const same = addressKey(full(a), { ipv6Prefix }) === addressKey(full(b), { ipv6Prefix });
        expect(same).toBe(list.check(full(b), "ipv6"));
      }),
    );
  });

  it("gives an IPv4-mapped address the key of its IPv4 address", () => {
    fc.assert(
      fc.property(fc.ipV4(), (v4) => {
        expect(addressKey(`::ffff:${v4}`)).toBe(v4);
        expect(addressKey(v4)).toBe(v4);
      }),
    );
  });
});
