import { once } from "node:events";
import type { AddressInfo } from "node:net";
import express from "express";
import {
  bodyLimit,
  errorHandler,
  getRequestContext,
  requestContext,
  requestTimeout,
  requirePermission,
  securityHeaders,
  setSubject,
} from "moatkit/express";
import { defineDefaultRoles } from "moatkit/rbac";
import type { TourSection } from "./section.js";

const section: TourSection = {
  title: "Roles and permissions, and an Express app with security middleware",
  async run(say) {
    // 1. The owner/admin/member/viewer ladder; permission names are typed from these lists.
    const roles = defineDefaultRoles({
      admin: ["members:invite", "members:remove"],
      member: ["notes:write"],
      viewer: ["notes:read"],
    });
    say(`roles × permissions (${roles.permissions.join(", ")}):`);
    for (const role of roles.roles) {
      say(`  ${role.padEnd(6)} ${roles.permissions.map((p) => (roles.can({ role }, p) ? "✓" : "·")).join("  ")}`);
    }
    say(
      `a viewer flagged allow ["notes:write"] may write: ${String(roles.can({ role: "viewer", allow: ["notes:write"] }, "notes:write"))}`,
    );
    say(
      `an owner flagged deny ["members:*"] may invite: ${String(roles.can({ role: "owner", deny: ["members:*"] }, "members:invite"))}`,
    );

    // 2. An app wrapped in moatkit's middleware, answering on a loopback port for one request.
    const app = express();
    app.use(requestContext());
    app.use(securityHeaders());
    app.use(bodyLimit("10mb"));
    app.use(requestTimeout({ timeout: 30_000 }));
    app.use((req, _res, next) => {
      setSubject(req, { id: "user_1", role: "member" }); // stands in for authentication
      next();
    });
    app.get("/notes", requirePermission(roles, "notes:read"), (req, res) => {
      res.json({ notes: [], requestId: getRequestContext(req).requestId });
    });
    app.delete("/members/:id", requirePermission(roles, "members:remove"), (_req, res) => {
      res.status(204).end();
    });
    app.use(errorHandler());
    const server = app.listen(0, "127.0.0.1");
    await once(server, "listening");
    try {
      const { port } = server.address() as AddressInfo;
      const ok = await fetch(`http://127.0.0.1:${String(port)}/notes`);
      say(`GET /notes as a member → ${String(ok.status)} ${await ok.text()}`);
      for (const name of [
        "strict-transport-security",
        "x-frame-options",
        "x-content-type-options",
        "cross-origin-resource-policy",
        "cross-origin-opener-policy",
        "content-security-policy",
      ]) {
        say(`  ${name}: ${ok.headers.get(name) ?? "(missing)"}`);
      }
      const denied = await fetch(`http://127.0.0.1:${String(port)}/members/7`, { method: "DELETE" });
      say(`DELETE /members/7 as a member → ${String(denied.status)} ${await denied.text()}`);
    } finally {
      server.closeAllConnections();
      server.close();
    }
  },
};
export default section;
