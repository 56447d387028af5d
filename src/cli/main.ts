#!/usr/bin/env node
/**
 * The `moatkit` executable (package.json `bin`). Not a library entry point: nothing imports it.
 */
import { runCli } from "./program.js";

// A closed pipe (`moatkit redact < big.log | head`) is the reader's choice, not an error.
process.stdout.on("error", (err: NodeJS.ErrnoException) => {
  if (err.code === "EPIPE") process.exit(0);
  throw err;
});

process.exitCode = await runCli(process.argv.slice(2), {
  stderr: (text) => process.stderr.write(text),
});
