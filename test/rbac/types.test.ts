/**
 * Type-level tests: `npm run typecheck` compiles this file, so every `@ts-expect-error` below must
 * be an error (a typo in a permission or role name does not compile) and every `expectTypeOf`
 * must hold. Vitest also runs it, which checks the same calls behave at run time.
 */
import { describe, expectTypeOf, it } from "vitest";
import {
  defineDefaultRoles,
  defineRoles,
  type DefaultRole,
  type Grant,
  type Namespace,
  type PermissionOf,
  type RoleOf,
  type Subject,
} from "../../src/rbac/index.js";
import { expectMoatError } from "../helpers/assertions.js";

const inferred = defineRoles(
  { owner: ["*"], admin: ["members:invite", "notes:*"], member: ["notes:write"], viewer: ["notes:read"] },
  { inherits: { admin: ["member"], member: ["viewer"] } },
);

const declared = defineRoles(
  { owner: ["*"], editor: ["notes:*"], reader: ["notes:read"] },
  { permissions: ["notes:read", "notes:write", "notes:delete", "billing:invoices:read"] },
);

describe("rbac types", () => {
  it("infers role and permission names from the definitions", () => {
    expectTypeOf<RoleOf<typeof inferred>>().toEqualTypeOf<"owner" | "admin" | "member" | "viewer">();
    expectTypeOf<PermissionOf<typeof inferred>>().toEqualTypeOf<"members:invite" | "notes:write" | "notes:read">();
    expectTypeOf(inferred.can).parameter(1).toEqualTypeOf<"members:invite" | "notes:write" | "notes:read">();
    expectTypeOf(inferred.roles).toEqualTypeOf<readonly ("owner" | "admin" | "member" | "viewer")[]>();
  });

  it("takes the permission names from options.permissions when declared", () => {
    expectTypeOf<PermissionOf<typeof declared>>().toEqualTypeOf<
      "notes:read" | "notes:write" | "notes:delete" | "billing:invoices:read"
    >();
    // A permission granted only through a wildcard can be checked.
    declared.can({ role: "editor" }, "notes:delete");
  });

  it("makes a misspelt permission a compile error", () => {
    // @ts-expect-error "notes:raed" is not a permission
    expectMoatError(() => inferred.can({ role: "viewer" }, "notes:raed"), "ERR_INVALID_INPUT");
    expectMoatError(() => {
      // @ts-expect-error wildcards are grants, not permissions to check
      inferred.assertCan({ role: "viewer" }, "notes:*");
    }, "ERR_INVALID_INPUT");
    // @ts-expect-error "billing:read" was never declared
    expectMoatError(() => declared.can({ role: "owner" }, "billing:read"), "ERR_INVALID_INPUT");
  });

  it("makes a misspelt role or flag in a subject a compile error", () => {
    // @ts-expect-error "admn" is not a role
    expectMoatError(() => inferred.can({ role: "admn" }, "notes:read"), "ERR_INVALID_INPUT");
    // @ts-expect-error "nots:*" is not a namespace
    expectMoatError(() => inferred.can({ role: "viewer", allow: ["nots:*"] }, "notes:read"), "ERR_INVALID_INPUT");
    // @ts-expect-error "notes:publish" is not a permission
    expectMoatError(() => inferred.can({ role: "viewer", deny: ["notes:publish"] }, "notes:read"), "ERR_INVALID_INPUT");
    // @ts-expect-error "root" is not a role
    expectMoatError(() => inferred.hasRole({ role: "viewer" }, "root"), "ERR_INVALID_INPUT");
  });

  it("makes a misspelt role in inherits, or an undeclared grant, a compile error", () => {
    expectMoatError(
      // @ts-expect-error "membr" is not a role
      () => defineRoles({ admin: ["a:b"], member: ["a:c"] }, { inherits: { admin: ["membr"] } }),
      "ERR_CONFIG",
    );
    // @ts-expect-error "root" is not a role
    expectMoatError(() => defineRoles({ admin: ["a:b"] }, { inherits: { root: ["admin"] } }), "ERR_CONFIG");
    // @ts-expect-error "notes:publish" is not among the declared permissions
    expectMoatError(() => defineRoles({ editor: ["notes:publish"] }, { permissions: ["notes:read"] }), "ERR_CONFIG");
  });

  it("types grants: namespaces at every depth, and '*'", () => {
    expectTypeOf<Namespace<"billing:invoices:read">>().toEqualTypeOf<"billing" | "billing:invoices">();
    expectTypeOf<Grant<"notes:read" | "billing:invoices:read">>().toEqualTypeOf<
      "notes:read" | "billing:invoices:read" | "*" | "notes:*" | "billing:*" | "billing:invoices:*"
    >();
    expectTypeOf<{ role: "viewer"; allow: ["notes:*"] }>().toExtend<Subject<"viewer", "notes:read">>();
  });

  it("narrows untyped data with the type guards and parseSubject", () => {
    const fromDb: unknown = "admin";
    if (inferred.isRole(fromDb)) expectTypeOf(fromDb).toEqualTypeOf<"owner" | "admin" | "member" | "viewer">();
    const subject = inferred.parseSubject({ role: "viewer" });
    expectTypeOf(subject).toEqualTypeOf<
      Subject<"owner" | "admin" | "member" | "viewer", "members:invite" | "notes:write" | "notes:read">
    >();
  });

  it("types the default ladder", () => {
    const ladder = defineDefaultRoles({ admin: ["members:invite"], member: ["notes:write"], viewer: ["notes:read"] });
    expectTypeOf<RoleOf<typeof ladder>>().toEqualTypeOf<DefaultRole>();
    expectTypeOf<PermissionOf<typeof ladder>>().toEqualTypeOf<"members:invite" | "notes:write" | "notes:read">();
    // @ts-expect-error "notes:delete" is not a permission of this ladder
    expectMoatError(() => ladder.can({ role: "owner" }, "notes:delete"), "ERR_INVALID_INPUT");
    const _declaredLadder = defineDefaultRoles(
      { admin: ["notes:*"], member: [], viewer: ["notes:read"] },
      { permissions: ["notes:read", "notes:purge"] },
    );
    expectTypeOf<PermissionOf<typeof _declaredLadder>>().toEqualTypeOf<"notes:read" | "notes:purge">();
  });
});
