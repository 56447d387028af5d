import { describe, expect, it } from "vitest";
import { DEFAULT_ROLES, defineDefaultRoles } from "../../src/rbac/index.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";

describe("defineDefaultRoles", () => {
  const roles = defineDefaultRoles({
    admin: ["members:invite", "members:remove"],
    member: ["notes:write"],
    viewer: ["notes:read"],
  });

  it("builds the owner ⊇ admin ⊇ member ⊇ viewer ladder, owner holding every permission", () => {
    expect(roles.roles).toEqual([...DEFAULT_ROLES]);
    expect(Object.fromEntries(DEFAULT_ROLES.map((role) => [role, roles.permissionsOf({ role })]))).toEqual({
      owner: ["members:invite", "members:remove", "notes:read", "notes:write"],
      admin: ["members:invite", "members:remove", "notes:read", "notes:write"],
      member: ["notes:read", "notes:write"],
      viewer: ["notes:read"],
    });
  });

  it("makes each role hold the roles below it", () => {
    const holds = DEFAULT_ROLES.map((role) => DEFAULT_ROLES.filter((other) => roles.hasRole({ role }, other)));
    expect(holds).toEqual([
      ["owner", "admin", "member", "viewer"],
      ["admin", "member", "viewer"],
      ["member", "viewer"],
      ["viewer"],
    ]);
  });

  it("gives the owner permissions that only exist in the declared list", () => {
    const declared = defineDefaultRoles(
      { admin: [], member: [], viewer: ["notes:read"] },
      { permissions: ["notes:read", "tenant:delete"] },
    );
    expect(declared.can({ role: "owner" }, "tenant:delete")).toBe(true);
    expect(declared.can({ role: "admin" }, "tenant:delete")).toBe(false);
  });

  it("rejects other role names and wrong types", () => {
    expectMoatError(
      () => defineDefaultRoles({ admin: [], member: [], viewer: ["a:b"], owner: ["*"] } as never),
      "ERR_CONFIG",
    );
    expectMoatError(() => defineDefaultRoles({ admin: [], member: [] } as never), "ERR_CONFIG");
    for (const bad of WRONG_TYPES) {
      expectMoatError(() => defineDefaultRoles(bad as never), "ERR_CONFIG");
      // An empty list is a valid (if modest) admin grant.
      if (!Array.isArray(bad))
        expectMoatError(() => defineDefaultRoles({ admin: bad, member: [], viewer: ["a:b"] } as never), "ERR_CONFIG");
    }
  });
});
