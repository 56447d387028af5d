/**
 * moatkit/rbac checks against the raw primitive they reduce to: a lookup in a precomputed
 * Set of the role's permissions. The difference is what validating the subject and applying
 * per-user flags costs.
 */
import { defineRoles } from "../src/rbac/index.js";
import { defineBenchSuite } from "./harness.js";

const PERMISSIONS = Array.from({ length: 40 }, (_, i) => `res${String(i % 8)}:action${String(i)}`);
const roles = defineRoles(
  {
    owner: ["*"],
    admin: ["res0:*", "res1:*", "res2:*", "res3:*"],
    member: PERMISSIONS.slice(0, 12),
    viewer: PERMISSIONS.slice(0, 4),
  },
  { inherits: { owner: ["admin"], admin: ["member"], member: ["viewer"] }, permissions: PERMISSIONS },
);
const memberSet = new Set(roles.permissionsOf({ role: "member" }));
const target = PERMISSIONS[9] ?? "";
const plain = { role: "member" } as const;
const flagged = { role: ["member", "viewer"], allow: ["res5:*", PERMISSIONS[30] ?? ""], deny: ["res1:*"] } as never;

export default defineBenchSuite({
  title: "rbac checks",
  groups: [
    {
      name: "can(subject, permission)",
      baseline: "Set.has (precomputed)",
      tasks: {
        "Set.has (precomputed)": () => memberSet.has(target),
        "roles.can (one role)": () => roles.can(plain, target),
        "roles.can (two roles + allow/deny flags)": () => roles.can(flagged, target),
        "roles.hasRole (inherited)": () => roles.hasRole({ role: "owner" }, "viewer"),
      },
      targets: [
        { task: "roles.can (one role)", minRatio: 0.05 },
        { task: "roles.can (two roles + allow/deny flags)", minRatio: 0.02 },
      ],
    },
    {
      name: "defineRoles (start-up, 4 roles × 40 permissions)",
      baseline: "defineRoles",
      tasks: {
        defineRoles: () =>
          defineRoles(
            {
              owner: ["*"],
              admin: ["res0:*", "res1:*"],
              member: PERMISSIONS.slice(0, 12),
              viewer: PERMISSIONS.slice(0, 4),
            },
            { inherits: { owner: ["admin"], admin: ["member"], member: ["viewer"] }, permissions: PERMISSIONS },
          ),
      },
    },
  ],
});
