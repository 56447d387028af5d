/**
 * The `moatkit` command line: argument parsing (commander) and dispatch. Each command's module
 * is loaded only when that command runs, so `moatkit redact` never loads jose or pg.
 */
import { Command, CommanderError, Option } from "commander";
import { SIGNING_ALGORITHMS } from "../sessions/key-material.js";
import { BUILTIN_DETECTOR_TYPES } from "../redact/types.js";
import { EXIT, describeFailure, escapeControl, scrubMessage } from "./output.js";
import type { AuditVerifyCommandOptions } from "./commands/audit-verify.js";
import type { RedactCommandOptions } from "./commands/redact.js";
import type { RewrapCommandOptions } from "./commands/rewrap.js";
import type { RlsCheckCommandOptions } from "./commands/rls-check.js";

/** Where the program writes; the real streams by default. */
interface ProgramIo {
  readonly stderr: (text: string) => void;
}

const DATABASE_URL_HELP =
  "Postgres connection string (default: $DATABASE_URL, which keeps a password out of the process list)";

/** Wraps a command's action so its resolved exit status reaches `setExitCode`. */
type Runner = <O>(fn: (opts: O) => Promise<number>) => (opts: O) => Promise<void>;

function addKeygenCommands(program: Command, setExitCode: (code: number) => void): void {
  const keygen = program.command("keygen").description("Generate keys.");
  keygen
    .command("master")
    .description("Print a new master key entry (k<date><random>:<base64 of 32 bytes>) for MOATKIT_MASTER_KEYS.")
    .option("--id <id>", "the key id (default: k<YYYYMMDD><4 random characters>)")
    .action(async (opts: { id?: string }) => {
      const { keygenMaster } = await import("./commands/keygen.js");
      keygenMaster(opts);
      setExitCode(EXIT.ok);
    });
  keygen
    .command("signing")
    .description("Print a new JWT signing key as JSON ({ kid, alg, use, key }), ready for createKeySet.")
    .requiredOption("--alg <alg>", `the algorithm: ${SIGNING_ALGORITHMS.join(", ")}`)
    .option("--kid <kid>", "the key id (default: 16 random characters)")
    .addOption(new Option("--format <format>", "jwk, or pem (PKCS#8) for asymmetric algorithms").default("jwk"))
    .action(async (opts: { alg: string; kid?: string; format: string }) => {
      const { keygenSigning } = await import("./commands/keygen.js");
      await keygenSigning(opts);
      setExitCode(EXIT.ok);
    });
}

function addRewrapCommand(program: Command, run: Runner): void {
  program
    .command("rewrap")
    .summary("Re-encrypt a column under the primary master key (resumable, Ctrl-C safe).")
    .description(
      "Re-encrypt a column under the primary master key (MOATKIT_MASTER_KEYS, first key). Each value's context is { table, column, rowId } with table and column as given and rowId the id column's value. Batches commit one by one; Ctrl-C stops after the current batch; rerunning resumes.",
    )
    .option("--database-url <url>", DATABASE_URL_HELP)
    .requiredOption("--table <name>", "the table, optionally schema.table")
    .requiredOption("--column <name>", "the encrypted column (text tokens or bytea)")
    .requiredOption("--id-column <name>", "a unique, sortable column (the primary key)")
    .option("--tenant-column <name>", "the column holding each row's tenant id, if values were encrypted with tenantId")
    .option("--data-keys", "values use moatkit's data key tables (moatkit_data_keys) in the same database")
    .option("--batch-size <n>", "rows per batch and transaction", "500")
    .option("--start-after <id>", "skip rows up to this id (the id an interrupted run printed)")
    .option("--pause <ms>", "sleep between batches to spare a busy database", "0")
    .action(
      run(async (opts: RewrapCommandOptions) => {
        const { rewrapCommand } = await import("./commands/rewrap.js");
        return rewrapCommand(opts);
      }),
    );
}

function addAuditCommands(program: Command, run: Runner): void {
  const audit = program.command("audit").description("Audit log tools.");
  audit
    .command("verify")
    .description(
      "Recompute an organisation's audit hash chain from Postgres. Exit 0 intact, 1 broken (the first bad seq is printed).",
    )
    .option("--database-url <url>", DATABASE_URL_HELP)
    .requiredOption("--org <id>", "the organisation id")
    .option(
      "--checkpoint-key <file>",
      "a public JWK or JWK set (JSON file) that verifies checkpoints and prune anchors",
    )
    .option("--checkpoints <file>", "signed checkpoints to check the chain against, one JWS per line")
    .option(
      "--legacy-anchor <file>",
      "a log pruned before 0.3.0: the exact anchor JWS prune returned then, kept outside the database (never copied from it)",
    )
    .action(
      run(async (opts: AuditVerifyCommandOptions) => {
        const { auditVerifyCommand } = await import("./commands/audit-verify.js");
        return auditVerifyCommand(opts);
      }),
    );
}

function addRedactCommand(program: Command, run: Runner): void {
  program
    .command("redact")
    .summary("Redact PII from stdin to stdout, line by line.")
    .description("Redact PII from stdin to stdout, line by line (streams; never holds more than one line).")
    .option("--types <list>", `comma-separated detector types (default: all of ${BUILTIN_DETECTOR_TYPES.join(",")})`)
    .addOption(
      new Option(
        "--replace <mode>",
        "label ([EMAIL]), mask (a***@…) or hash (keyed tag; key in MOATKIT_REDACT_HASH_KEY)",
      ).default("label"),
    )
    .action(
      run(async (opts: RedactCommandOptions) => {
        const { redactCommand } = await import("./commands/redact.js");
        return redactCommand(opts);
      }),
    );
}

function addRlsCommands(program: Command, run: Runner): void {
  const rls = program.command("rls").description("Row-level security tools.");
  rls
    .command("check")
    .description(
      "Check that every tenant table is isolated by forced RLS and that the app role cannot bypass it. Exit 1 on any finding.",
    )
    .option("--database-url <url>", DATABASE_URL_HELP)
    .option("--schema <name>", "the schema to check", "public")
    .option("--app-role <role>", "the role the application runs as (default: the role of the connection)")
    .option("--tenant-column <name>", "the tenant column (default tenant_id)")
    .option("--setting <name>", "the tenant setting policies read (default app.tenant_id)")
    .option("--admin-setting <name>", "an admin flag setting policies may read instead")
    .option(
      "--exclude <tables>",
      "comma-separated tables of the schema that have the tenant column but hold no tenant data (moatkit's own are skipped already)",
    )
    .option("--errors-only", "exit 0 when the only findings are warnings")
    .action(
      run(async (opts: RlsCheckCommandOptions) => {
        const { rlsCheckCommand } = await import("./commands/rls-check.js");
        return rlsCheckCommand(opts);
      }),
    );
}

/** Builds the command tree; `setExitCode` receives each command's exit status. */
export function createProgram(setExitCode: (code: number) => void, io: ProgramIo): Command {
  const program = new Command("moatkit")
    .description(
      "Operator tools for moatkit: key generation, column rewrap, audit chain verification, PII redaction and RLS checks.",
    )
    .exitOverride()
    .configureOutput({
      writeErr: (text) => {
        // Commander echoes what was typed (an unknown option, a bad value): keep its line
        // breaks, escape every other control character.
        io.stderr(scrubMessage(text).split("\n").map(escapeControl).join("\n"));
      },
      outputError: (text, write) => {
        write(scrubMessage(text));
      },
    })
    .showHelpAfterError("(add --help for usage)")
    .helpCommand(true)
    .addHelpText(
      "after",
      "\nExit status: 0 ok, 1 failure or finding, 2 usage error, 130 interrupted (Ctrl-C).\nSecrets (master keys, hash keys) are read from the environment, never from flags.",
    );

  const run: Runner = (fn) => async (opts) => {
    setExitCode(await fn(opts));
  };
  addKeygenCommands(program, setExitCode);
  addRewrapCommand(program, run);
  addAuditCommands(program, run);
  addRedactCommand(program, run);
  addRlsCommands(program, run);
  return program;
}

/** Parses `argv` (without node and the script) and runs the command; resolves to the exit status. */
export async function runCli(argv: readonly string[], io: ProgramIo): Promise<number> {
  let exitCode: number = EXIT.ok;
  const program = createProgram((code) => {
    exitCode = code;
  }, io);
  try {
    await program.parseAsync([...argv], { from: "user" });
    return exitCode;
  } catch (err) {
    if (err instanceof CommanderError) {
      // Help and version are successes; anything else commander rejects is a usage error.
      return err.exitCode === 0 ? EXIT.ok : EXIT.usage;
    }
    const failure = describeFailure(err);
    io.stderr(`moatkit: ${failure.message}\n`);
    return failure.exitCode;
  }
}
