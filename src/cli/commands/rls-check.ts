/** `moatkit rls check`: the RLS linter of moatkit/tenant against a live database. */
import { identifierSchema, roleSchema, settingSchema } from "../../tenant/identifiers.js";
import { checkRls, formatRlsReport } from "../../tenant/rls-check.js";
import { openDatabase, resolveDatabaseUrl } from "../database.js";
import { EXIT, UsageError, printOut } from "../output.js";

/** Options of `moatkit rls check`. */
export interface RlsCheckCommandOptions {
  readonly databaseUrl?: string;
  readonly schema: string;
  readonly appRole?: string;
  readonly tenantColumn?: string;
  readonly setting?: string;
  readonly adminSetting?: string;
  readonly errorsOnly?: boolean;
  readonly exclude?: string;
}

/** Runs `moatkit rls check`; resolves to the exit status: 1 on any finding (on errors only with `--errors-only`). */
export async function rlsCheckCommand(options: RlsCheckCommandOptions): Promise<number> {
  if (!identifierSchema.safeParse(options.schema).success)
    throw new UsageError("--schema must be a schema name (letters, digits, _)");
  if (options.appRole !== undefined && !roleSchema.safeParse(options.appRole).success) {
    throw new UsageError("--app-role must be a role name (letters, digits, _; not a reserved or pg_ role)");
  }
  if (options.tenantColumn !== undefined && !identifierSchema.safeParse(options.tenantColumn).success) {
    throw new UsageError("--tenant-column must be a column name (letters, digits, _)");
  }
  for (const [flag, value] of [
    ["--setting", options.setting],
    ["--admin-setting", options.adminSetting],
  ] as const) {
    if (value !== undefined && !settingSchema.safeParse(value).success)
      throw new UsageError(`${flag} must be a dotted setting name, e.g. app.tenant_id`);
  }
  const exclude = options.exclude === undefined ? undefined : options.exclude.split(",").map((t) => t.trim());
  if (exclude?.some((t) => !identifierSchema.safeParse(t).success) === true)
    throw new UsageError("--exclude must be a comma-separated list of table names (letters, digits, _)");
  const url = resolveDatabaseUrl(options.databaseUrl);
  const db = await openDatabase(url, 1);
  try {
    // Without --app-role the application is taken to connect as the role of this URL.
    const appRole =
      options.appRole ?? (await db.client.query<{ role: string }>("SELECT current_user AS role")).rows[0]?.role ?? "";
    const report = await checkRls(db.client, {
      appRole,
      schema: options.schema,
      ...(options.tenantColumn === undefined ? {} : { tenantColumn: options.tenantColumn }),
      ...(options.setting === undefined ? {} : { setting: options.setting }),
      ...(options.adminSetting === undefined ? {} : { adminSetting: options.adminSetting }),
      ...(exclude === undefined ? {} : { exclude }),
    });
    printOut(...formatRlsReport(report).split("\n"));
    const failing = options.errorsOnly === true ? !report.ok : report.findings.length > 0;
    return failing ? EXIT.failure : EXIT.ok;
  } finally {
    await db.close();
  }
}
