import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { quoteIdent } from "../../src/tenant/identifiers.js";
import { isTenantBound } from "../../src/tenant/policy-expr.js";
import { describePostgres } from "../helpers/postgres.js";

const B = { column: "tenant_id", setting: "app.tenant_id", adminSetting: "app.admin" };
const T = `( SELECT NULLIF(current_setting('app.tenant_id'::text, true), ''::text) AS "nullif")`;
const ADMIN = `(( SELECT current_setting('app.admin'::text, true) AS current_setting) = 'on'::text)`;

describe("isTenantBound (policy expressions as pg_get_expr prints them)", () => {
  it.each([
    `(tenant_id = ${T})`,
    `(tenant_id = ( SELECT (NULLIF(current_setting('app.tenant_id'::text, true), ''::text))::uuid AS "nullif"))`,
    `((tenant_id)::text = ${T})`,
    `(tenant_id = current_setting('app.tenant_id'::text))`,
    `(${T} = tenant_id)`,
    `((tenant_id = ${T}) OR ${ADMIN})`,
    `((tenant_id = ${T}) AND (x > 1))`,
    `((x > 1) AND ((tenant_id = ${T}) OR ${ADMIN}))`,
    `("tenant_id" = ${T})`,
    `(tenant_id = (current_setting('app.tenant_id'::text, true))::uuid)`,
  ])("ties %s", (expr) => {
    expect(isTenantBound(expr, B)).toBe(true);
  });

  it.each([
    "true",
    "",
    `((tenant_id = ${T}) OR (x IS NOT NULL))`,
    `(((tenant_id = ${T}) AND (x > 1)) OR (x < 0))`,
    `((tenant_id = ${T}) OR (current_setting('app.tenant_id'::text, true) IS NULL))`,
    `(NOT (tenant_id <> ${T}))`,
    `(tenant_id = COALESCE(current_setting('app.tenant_id'::text, true), tenant_id))`,
    `(tenant_id <> ${T})`,
    `(other_id = ${T})`,
    `(tenant_id = current_setting('app.other'::text, true))`,
    `(( SELECT current_setting('app.admin'::text, true) AS current_setting) <> 'off'::text)`,
    `(( SELECT current_setting('app.tenant_id'::text, true) AS current_setting) = 'on'::text)`,
    `CASE WHEN (x > 0) THEN (tenant_id = ${T}) ELSE true END`,
    `((tenant_id = ${T}) OR (note = ' OR ''x'' ) OR (y'::text))`,
    `((tenant_id = ${T}) OR (note = E'\\\\' OR true'::text))`,
    `((tenant_id = ${T}) OR (1 = 1)`,
  ])("does not tie %s", (expr) => {
    expect(isTenantBound(expr, B)).toBe(false);
  });

  it("does not take the admin form without an adminSetting", () => {
    expect(isTenantBound(ADMIN, { column: "tenant_id", setting: "app.tenant_id" })).toBe(false);
  });

  it("never throws on arbitrary text", () => {
    fc.assert(
      fc.property(
        fc.string({ maxLength: 200 }),
        fc.constantFrom("(", ")", "'", '"', " OR ", " AND ", " = "),
        (s, t) => {
          isTenantBound(s + t + s, B);
        },
      ),
    );
  });
});

describePostgres("quoteIdent with control characters", (target) => {
  it('writes U&"…" that Postgres reads as the same name', async () => {
    const db = await target.connect({ max: 1 });
    try {
      for (const name of ["a\nb", 'x"\u001b[31m\\y', "\u0085\u009b\u007f\u2028\u202e", "plain"]) {
        const quoted = quoteIdent(name);
        // eslint-disable-next-line no-control-regex
        expect(quoted).not.toMatch(/[\u0000-\u001f\u007f-\u009f\u2028\u202e]/);
        const { rows } = await db.client.query<{ name: string }>(`SELECT 1 AS ${quoted}`);
        expect(Object.keys(rows[0] ?? {})).toEqual([name]);
      }
    } finally {
      await db.close();
    }
  }, 30_000);
});
