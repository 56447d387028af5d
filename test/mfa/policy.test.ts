import { describe, expect, it } from "vitest";
import { type MfaPolicyInput, type MfaRequirement, resolveMfaPolicy } from "../../src/mfa/index.js";
import { WRONG_TYPES, expectMoatError } from "../helpers/assertions.js";

type Row = [
  platform: MfaRequirement,
  org: MfaRequirement | "-",
  tenant: MfaRequirement | "-",
  user: MfaRequirement | "-",
  role: string,
  expected: MfaRequirement,
];

// platform → org → tenant → user; "-" means the level has no setting.
const TABLE: Row[] = [
  // Inheritance: a level without a setting takes the one above.
  ["optional", "-", "-", "-", "member", "optional"],
  ["disabled", "-", "-", "-", "member", "disabled"],
  ["required", "-", "-", "-", "member", "required"],
  // Lower levels may tighten…
  ["optional", "required", "-", "-", "member", "required"],
  ["optional", "-", "required", "-", "member", "required"],
  ["optional", "-", "-", "required", "member", "required"],
  ["disabled", "optional", "-", "-", "member", "optional"],
  ["disabled", "-", "-", "required", "member", "required"],
  // …but never loosen a "required" from above.
  ["required", "optional", "-", "-", "member", "required"],
  ["required", "disabled", "disabled", "disabled", "member", "required"],
  ["optional", "required", "optional", "-", "member", "required"],
  ["optional", "required", "-", "disabled", "member", "required"],
  ["optional", "-", "required", "disabled", "member", "required"],
  // Below "required" the most specific setting wins.
  ["optional", "disabled", "-", "-", "member", "disabled"],
  ["optional", "-", "disabled", "optional", "member", "optional"],
  ["optional", "optional", "optional", "disabled", "member", "disabled"],
  // Owners and operators always need MFA, whatever the levels say.
  ["disabled", "-", "-", "-", "owner", "required"],
  ["optional", "disabled", "disabled", "disabled", "operator", "required"],
  ["optional", "-", "-", "-", "admin", "optional"],
  ["optional", "-", "-", "-", "Owner", "optional"], // roles match exactly
];

describe("resolveMfaPolicy", () => {
  it.each(TABLE)(
    "platform %s, org %s, tenant %s, user %s, role %s → %s",
    (platform, org, tenant, user, role, expected) => {
      const input: MfaPolicyInput = {
        platform,
        role,
        ...(org === "-" ? {} : { org }),
        ...(tenant === "-" ? {} : { tenant }),
        ...(user === "-" ? {} : { user }),
      };
      expect(resolveMfaPolicy(input)).toBe(expected);
    },
  );

  it("uses the configured required roles instead of the defaults", () => {
    expect(resolveMfaPolicy({ platform: "optional", role: "billing", requiredRoles: ["billing"] })).toBe("required");
    expect(resolveMfaPolicy({ platform: "optional", role: "owner", requiredRoles: ["billing"] })).toBe("optional");
    expect(resolveMfaPolicy({ platform: "optional", role: "owner", requiredRoles: [] })).toBe("optional");
  });

  it("accepts explicit undefined for levels without a setting", () => {
    expect(
      resolveMfaPolicy({ platform: "optional", org: undefined, tenant: undefined, user: "disabled", role: "member" }),
    ).toBe("disabled");
  });

  it("rejects unknown settings, wrong types and missing fields with ERR_INVALID_INPUT", () => {
    for (const bad of ["REQUIRED", "", "mandatory", ...WRONG_TYPES.filter((v) => v !== undefined)]) {
      expectMoatError(() => resolveMfaPolicy({ platform: bad, role: "member" } as never), "ERR_INVALID_INPUT");
      expectMoatError(
        () => resolveMfaPolicy({ platform: "optional", org: bad, role: "member" } as never),
        "ERR_INVALID_INPUT",
      );
    }
    for (const role of [...WRONG_TYPES, "r".repeat(257)]) {
      expectMoatError(() => resolveMfaPolicy({ platform: "optional", role } as never), "ERR_INVALID_INPUT");
    }
    expectMoatError(
      () => resolveMfaPolicy({ platform: "optional", role: "m", requiredRoles: "owner" } as never),
      "ERR_INVALID_INPUT",
    );
    expectMoatError(
      () => resolveMfaPolicy({ platform: "optional", role: "m", orgg: "required" } as never),
      "ERR_INVALID_INPUT",
    );
    expectMoatError(() => resolveMfaPolicy(undefined as never), "ERR_INVALID_INPUT");
  });
});
