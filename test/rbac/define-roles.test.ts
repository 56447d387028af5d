import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { defineRoles } from "../../src/rbac/index.js";
import { isMoatError } from "../../src/errors.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";

const PERMISSIONS = [
  "billing:invoices:read",
  "billing:read",
  "members:invite",
  "members:remove",
  "notes:delete",
  "notes:read",
  "notes:write",
] as const;

const roles = defineRoles(
  {
    owner: ["*"],
    admin: ["members:*", "notes:delete", "billing:*"],
    member: ["notes:write"],
    viewer: ["notes:read"],
  },
  { inherits: { owner: ["admin"], admin: ["member"], member: ["viewer"] }, permissions: PERMISSIONS },
);

describe("defineRoles: the role matrix", () => {
  it("grants each role its own permissions and everything it inherits", () => {
    const matrix = Object.fromEntries(roles.roles.map((role) => [role, roles.permissionsOf({ role })]));
    expect(matrix).toEqual({
      owner: [...PERMISSIONS],
      admin: [...PERMISSIONS],
      member: ["notes:read", "notes:write"],
      viewer: ["notes:read"],
    });
  });

  it("answers can() for every role × permission consistently with the matrix", () => {
    for (const role of roles.roles) {
      const granted = roles.permissionsOf({ role });
      for (const permission of roles.permissions) {
        expect(roles.can({ role }, permission), `${role} × ${permission}`).toBe(granted.includes(permission));
      }
    }
  });

  it("lists roles in definition order and permissions sorted", () => {
    expect(roles.roles).toEqual(["owner", "admin", "member", "viewer"]);
    expect(roles.permissions).toEqual([...PERMISSIONS].sort());
  });

  it("infers the permission set from the roles when none is declared", () => {
    const inferred = defineRoles({ owner: ["*"], editor: ["docs:write", "docs:read"], reader: ["docs:read"] });
    expect(inferred.permissions).toEqual(["docs:read", "docs:write"]);
    expect(inferred.can({ role: "owner" }, "docs:write")).toBe(true);
    expect(inferred.can({ role: "reader" }, "docs:write")).toBe(false);
  });

  it("grants the union of permissions when a subject holds several roles", () => {
    const multi = defineRoles({ billing: ["invoices:read"], support: ["tickets:read"], none: [] });
    expect(multi.can({ role: ["billing", "support"] }, "invoices:read")).toBe(true);
    expect(multi.can({ role: ["billing", "support"] }, "tickets:read")).toBe(true);
    expect(multi.can({ role: [] }, "tickets:read")).toBe(false);
    expect(multi.can({ role: "none" }, "tickets:read")).toBe(false);
  });

  it("returns a frozen object that later changes to the definitions do not affect", () => {
    const defs = { admin: ["a:write", "a:read"], viewer: ["a:read"] };
    const r = defineRoles(defs);
    defs.viewer.push("a:write");
    expect(r.can({ role: "viewer" }, "a:write")).toBe(false);
    expect(Object.isFrozen(r)).toBe(true);
    expect(Object.isFrozen(r.permissions)).toBe(true);
  });
});

describe("defineRoles: wildcards", () => {
  it('"*" grants every permission, including those only reachable through wildcards', () => {
    for (const p of PERMISSIONS) expect(roles.can({ role: "owner" }, p)).toBe(true);
  });

  it('"ns:*" grants every permission under the namespace, at any depth, and nothing else', () => {
    const r = defineRoles(
      { finance: ["billing:*"], auditor: ["billing:invoices:*"] },
      {
        permissions: ["billing:read", "billing:invoices:read", "billing:invoices:void", "billingx:read", "notes:read"],
      },
    );
    expect(r.permissionsOf({ role: "finance" })).toEqual([
      "billing:invoices:read",
      "billing:invoices:void",
      "billing:read",
    ]);
    expect(r.permissionsOf({ role: "auditor" })).toEqual(["billing:invoices:read", "billing:invoices:void"]);
    expect(r.can({ role: "finance" }, "billingx:read")).toBe(false);
  });

  it("is not a permission itself: can() refuses a wildcard as the permission asked about", () => {
    expect(roles.isPermission("notes:*")).toBe(false);
    expect(roles.isPermission("*")).toBe(false);
    expectMoatError(() => roles.can({ role: "owner" }, "notes:*" as "notes:read"), "ERR_INVALID_INPUT");
    expectMoatError(() => roles.can({ role: "owner" }, "*" as "notes:read"), "ERR_INVALID_INPUT");
  });

  it("rejects a namespace wildcard that matches no permission (a typo, or a missing permissions list)", () => {
    const err = expectMoatError(() => defineRoles({ admin: ["nots:*"], viewer: ["notes:read"] }), "ERR_CONFIG");
    expect(err.message).toContain('"nots:*"');
    // Without a declared list, a namespace nobody names concretely matches nothing either.
    expectMoatError(() => defineRoles({ owner: ["*"], admin: ["notes:*"] }), "ERR_CONFIG");
  });

  it("rejects malformed grants", () => {
    for (const grant of [
      "",
      "no*tes",
      "*:read",
      "notes:",
      ":read",
      "notes::read",
      "a b",
      "notes:**",
      "notes:*:read",
      "**",
      "é:read",
      "x".repeat(129),
    ]) {
      expectMoatError(() => defineRoles({ admin: [grant] }), "ERR_CONFIG");
    }
  });
});

describe("defineRoles: per-user flags", () => {
  it("allow adds permissions the roles do not grant", () => {
    expect(roles.can({ role: "viewer", allow: ["notes:write"] }, "notes:write")).toBe(true);
    expect(roles.can({ role: "viewer", allow: ["members:*"] }, "members:remove")).toBe(true);
    expect(roles.can({ role: "viewer", allow: ["notes:write"] }, "notes:delete")).toBe(false);
  });

  it("deny removes permissions whatever the roles or allow say", () => {
    expect(roles.can({ role: "owner", deny: ["billing:read"] }, "billing:read")).toBe(false);
    expect(roles.can({ role: "owner", deny: ["billing:read"] }, "billing:invoices:read")).toBe(true);
    expect(roles.can({ role: "member", deny: ["notes:*"] }, "notes:read")).toBe(false);
    expect(roles.can({ role: "viewer", allow: ["notes:write"], deny: ["notes:write"] }, "notes:write")).toBe(false);
    expect(roles.permissionsOf({ role: "owner", deny: ["*"] })).toEqual([]);
  });

  it("does not confer roles", () => {
    expect(roles.hasRole({ role: "viewer", allow: ["*"] }, "admin")).toBe(false);
  });
});

describe("defineRoles: hasRole", () => {
  it("is true for the subject's own roles and every role they inherit, transitively", () => {
    expect(roles.hasRole({ role: "owner" }, "viewer")).toBe(true);
    expect(roles.hasRole({ role: "admin" }, "admin")).toBe(true);
    expect(roles.hasRole({ role: "member" }, "admin")).toBe(false);
    expect(roles.hasRole({ role: ["viewer", "member"] }, "member")).toBe(true);
  });

  it("throws ERR_INVALID_INPUT for an unknown role name", () => {
    expectMoatError(() => roles.hasRole({ role: "admin" }, "root" as "admin"), "ERR_INVALID_INPUT");
  });
});

describe("defineRoles: assertCan", () => {
  it("returns quietly when allowed and throws ERR_FORBIDDEN naming the permission when not", () => {
    expect(() => {
      roles.assertCan({ role: "admin" }, "members:invite");
    }).not.toThrow();
    const err = expectMoatError(() => {
      roles.assertCan({ role: "viewer" }, "members:invite");
    }, "ERR_FORBIDDEN");
    expect(err.details).toEqual({ permission: "members:invite" });
  });
});

describe("defineRoles: validating definitions", () => {
  it("rejects an inherited role that does not exist", () => {
    const err = expectMoatError(
      () => defineRoles({ admin: ["a:b"], member: ["a:c"] }, { inherits: { admin: ["membr" as "member"] } }),
      "ERR_CONFIG",
    );
    expect(err.message).toContain('"membr"');
    expectMoatError(() => defineRoles({ admin: ["a:b"] }, { inherits: { root: ["admin"] } as object }), "ERR_CONFIG");
  });

  it("rejects inheritance cycles and names the cycle", () => {
    expect(
      expectMoatError(() => defineRoles({ a: ["x:y"] }, { inherits: { a: ["a"] } }), "ERR_CONFIG").message,
    ).toContain("a → a");
    expect(
      expectMoatError(() => defineRoles({ a: ["x:y"], b: [] }, { inherits: { a: ["b"], b: ["a"] } }), "ERR_CONFIG")
        .message,
    ).toContain("a → b → a");
    expect(
      expectMoatError(
        () =>
          defineRoles({ a: ["x:y"], b: [], c: [], d: [] }, { inherits: { d: ["a"], a: ["b"], b: ["c"], c: ["a"] } }),
        "ERR_CONFIG",
      ).message,
    ).toContain("a → b → c → a");
  });

  it("accepts diamonds (two paths to the same role)", () => {
    const r = defineRoles(
      { top: [], left: ["l:x"], right: ["r:x"], base: ["b:x"] },
      { inherits: { top: ["left", "right"], left: ["base"], right: ["base"] } },
    );
    expect(r.permissionsOf({ role: "top" })).toEqual(["b:x", "l:x", "r:x"]);
  });

  it("rejects invalid role names", () => {
    for (const name of ["", "1admin", "ad min", "admin!", "_x", "a".repeat(65), "__proto__"]) {
      expectMoatError(
        () => defineRoles(JSON.parse(JSON.stringify({ [name]: ["a:b"] })) as Record<string, string[]>),
        "ERR_CONFIG",
      );
    }
  });

  it("sees a __proto__ key from JSON.parse rather than dropping it", () => {
    const defs = JSON.parse('{"admin":["a:b"],"__proto__":["a:c"]}') as Record<string, string[]>;
    expectMoatError(() => defineRoles(defs), "ERR_CONFIG");
  });

  it("rejects a permission a role grants that is not in the declared list", () => {
    const err = expectMoatError(
      () => defineRoles({ admin: ["notes:delete"] }, { permissions: ["notes:read"] as never }),
      "ERR_CONFIG",
    );
    expect(err.message).toContain('"notes:delete"');
  });

  it("rejects duplicate or malformed declared permissions", () => {
    expectMoatError(() => defineRoles({ a: ["x:y"] }, { permissions: ["x:y", "x:y"] }), "ERR_CONFIG");
    expectMoatError(() => defineRoles({ a: ["x:y"] }, { permissions: ["x:y", "x:*"] as never }), "ERR_CONFIG");
  });

  it("rejects empty definitions and role sets without any permission", () => {
    expectMoatError(() => defineRoles({}), "ERR_CONFIG");
    expectMoatError(() => defineRoles({ owner: ["*"] }), "ERR_CONFIG");
    expectMoatError(() => defineRoles({ owner: [] }), "ERR_CONFIG");
  });

  it("rejects wrong types everywhere, and unknown options", () => {
    for (const bad of WRONG_TYPES) {
      expectMoatError(() => defineRoles(bad as never), "ERR_CONFIG");
      expectMoatError(() => defineRoles({ admin: bad } as never), "ERR_CONFIG");
      expectMoatError(() => defineRoles({ admin: [bad] } as never), "ERR_CONFIG");
      // undefined and {} are valid options, and an empty inherits map is valid too.
      const emptyObject = typeof bad === "object" && bad !== null && !Array.isArray(bad);
      if (bad !== undefined && !emptyObject) {
        expectMoatError(() => defineRoles({ admin: ["a:b"] }, bad as never), "ERR_CONFIG");
        expectMoatError(() => defineRoles({ admin: ["a:b"] }, { inherits: bad } as never), "ERR_CONFIG");
      }
      if (bad !== undefined) {
        expectMoatError(() => defineRoles({ admin: ["a:b"] }, { permissions: bad } as never), "ERR_CONFIG");
      }
    }
    expectMoatError(() => defineRoles({ admin: ["a:b"] }, { inherit: {} } as never), "ERR_CONFIG");
    expectMoatError(() => defineRoles(new Map([["admin", ["a:b"]]]) as never), "ERR_CONFIG");
  });

  it("rejects oversized definitions", () => {
    const many = Object.fromEntries(Array.from({ length: 257 }, (_, i) => [`r${String(i)}`, ["a:b"]]));
    expectMoatError(() => defineRoles(many), "ERR_CONFIG");
    expectMoatError(() => defineRoles({ a: Array.from({ length: 4097 }, (_, i) => `p:${String(i)}`) }), "ERR_CONFIG");
  });
});

describe("defineRoles: checking subjects", () => {
  it("rejects subjects of the wrong type", () => {
    for (const bad of WRONG_TYPES) {
      expectMoatError(() => roles.can(bad as never, "notes:read"), "ERR_INVALID_INPUT");
      if (!Array.isArray(bad))
        expectMoatError(() => roles.can({ role: bad } as never, "notes:read"), "ERR_INVALID_INPUT");
      // undefined and [] are valid flag lists.
      if (bad !== undefined && !Array.isArray(bad)) {
        expectMoatError(() => roles.can({ role: "viewer", allow: bad } as never, "notes:read"), "ERR_INVALID_INPUT");
        expectMoatError(() => roles.can({ role: "viewer", deny: bad } as never, "notes:read"), "ERR_INVALID_INPUT");
      }
      expectMoatError(() => roles.can({ role: "viewer" }, bad as never), "ERR_INVALID_INPUT");
    }
  });

  it("rejects an unknown role, an unknown flag and an unknown permission instead of guessing", () => {
    expectMoatError(() => roles.can({ role: "superuser" } as never, "notes:read"), "ERR_INVALID_INPUT");
    expectMoatError(() => roles.can({ role: ["viewer", "superuser"] } as never, "notes:read"), "ERR_INVALID_INPUT");
    expectMoatError(
      () => roles.can({ role: "viewer", allow: ["notes:publish"] } as never, "notes:read"),
      "ERR_INVALID_INPUT",
    );
    expectMoatError(() => roles.can({ role: "viewer", deny: ["nots:*"] } as never, "notes:read"), "ERR_INVALID_INPUT");
    expectMoatError(() => roles.can({ role: "viewer" }, "notes:raed" as never), "ERR_INVALID_INPUT");
  });

  it("never echoes the offending value in the error", () => {
    const err = expectMoatError(
      () => roles.can({ role: "sk_live_secret" } as never, "notes:read"),
      "ERR_INVALID_INPUT",
    );
    expect(err.message).not.toContain("sk_live_secret");
  });

  it("reads only own data properties (no prototype pollution, no getters)", () => {
    const inherited = Object.create({ role: "owner" }) as never;
    expectMoatError(() => roles.can(inherited, "notes:read"), "ERR_INVALID_INPUT");
    let reads = 0;
    const tricky = {
      get role() {
        reads += 1;
        return reads === 1 ? "viewer" : "owner";
      },
    };
    expectMoatError(() => roles.can(tricky, "notes:read"), "ERR_INVALID_INPUT");
    const polluted = Object.assign(Object.create({ allow: ["*"] }) as object, {
      role: "viewer",
    }) as unknown as Parameters<typeof roles.can>[0];
    expect(roles.can(polluted, "members:remove")).toBe(false);
  });

  it("rejects oversized role and flag lists", () => {
    expectMoatError(
      () => roles.can({ role: Array.from({ length: 65 }, () => "viewer" as const) }, "notes:read"),
      "ERR_INVALID_INPUT",
    );
    expectMoatError(
      () =>
        roles.can({ role: "viewer", allow: Array.from({ length: 257 }, () => "notes:read" as const) }, "notes:read"),
      "ERR_INVALID_INPUT",
    );
  });

  it("parseSubject turns untyped data into a frozen, normalized subject", () => {
    const row: unknown = JSON.parse('{"role":"member","allow":["notes:delete"],"id":"u1"}');
    const subject = roles.parseSubject(row);
    expect(subject).toEqual({ role: ["member"], allow: ["notes:delete"] });
    expect(Object.isFrozen(subject)).toBe(true);
    expect(roles.can(subject, "notes:delete")).toBe(true);
    expectMoatError(() => roles.parseSubject({ role: "root" }), "ERR_INVALID_INPUT");
  });

  it("isRole and isPermission are exact type guards", () => {
    expect(roles.isRole("admin")).toBe(true);
    expect(roles.isRole("Admin")).toBe(false);
    expect(roles.isRole("toString")).toBe(false);
    expect(roles.isPermission("notes:read")).toBe(true);
    for (const bad of WRONG_TYPES) {
      expect(roles.isRole(bad)).toBe(false);
      expect(roles.isPermission(bad)).toBe(false);
    }
  });
});

describe("defineRoles: properties", () => {
  const permission = fc.constantFrom(...PERMISSIONS);
  const grant = fc.constantFrom<string>(...PERMISSIONS, "*", "notes:*", "members:*", "billing:*", "billing:invoices:*");
  const subject = fc.record(
    {
      role: fc.oneof(fc.constantFrom(...roles.roles), fc.array(fc.constantFrom(...roles.roles), { maxLength: 4 })),
      allow: fc.array(grant, { maxLength: 4 }),
      deny: fc.array(grant, { maxLength: 4 }),
    },
    { requiredKeys: ["role"] },
  );

  it("can() agrees with permissionsOf()", () => {
    fc.assert(
      fc.property(subject, permission, (s, p) => {
        expect(roles.can(s as never, p)).toBe(roles.permissionsOf(s as never).includes(p));
      }),
    );
  });

  it("adding a deny flag never grants more; adding an allow flag never grants less", () => {
    fc.assert(
      fc.property(subject, grant, permission, (s, extra, p) => {
        const base = roles.can(s as never, p);
        const denied = roles.can({ ...s, deny: [...(s.deny ?? []), extra] } as never, p);
        const allowed = roles.can({ ...s, allow: [...(s.allow ?? []), extra] } as never, p);
        if (!base) expect(denied).toBe(false);
        if (base) expect(allowed).toBe(true);
      }),
    );
  });

  it("never throws anything but ERR_INVALID_INPUT on garbage subjects and permissions", () => {
    fc.assert(
      fc.property(fc.anything(), fc.anything(), (s, p) => {
        try {
          expect(typeof roles.can(s as never, p as never)).toBe("boolean");
        } catch (err) {
          expect(isMoatError(err, "ERR_INVALID_INPUT")).toBe(true);
        }
      }),
    );
  });

  it("never throws anything but ERR_CONFIG on garbage definitions", () => {
    fc.assert(
      fc.property(
        fc.dictionary(
          fc.string({ maxLength: 8 }),
          fc.oneof(fc.array(fc.string({ maxLength: 12 }), { maxLength: 4 }), fc.anything()),
        ),
        fc.anything(),
        (defs, options) => {
          try {
            defineRoles(defs as never, options as never);
          } catch (err) {
            expect(isMoatError(err, "ERR_CONFIG")).toBe(true);
          }
        },
      ),
    );
  });
});
