/**
 * Runs the BUILT `moatkit` executable (dist/cli/main.js) as a subprocess, as a user would.
 * `ensureBuilt()` compiles src into dist once when dist is missing or older than any source
 * file; a lock directory keeps parallel test files from compiling at the same time.
 */
import { spawn, spawnSync, type ChildProcessWithoutNullStreams } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, statSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

export const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");
export const binPath = join(root, "dist", "cli", "main.js");

function newestSource(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSource(path) : statSync(path).mtimeMs);
  }
  return newest;
}

function isFresh(): boolean {
  try {
    return statSync(binPath).mtimeMs >= newestSource(join(root, "src"));
  } catch {
    return false;
  }
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Builds dist with `tsc -p tsconfig.build.json` unless it is already up to date. */
export async function ensureBuilt(): Promise<void> {
  const lock = join(root, "node_modules", ".cache", "moatkit-cli-build.lock");
  mkdirSync(dirname(lock), { recursive: true });
  for (;;) {
    if (isFresh()) return;
    try {
      mkdirSync(lock);
    } catch {
      // Another test file is building; a lock older than two minutes was left by a crash.
      try {
        if (Date.now() - statSync(lock).mtimeMs > 120_000) rmSync(lock, { recursive: true, force: true });
      } catch {
        // gone already
      }
      await sleep(250);
      continue;
    }
    try {
      if (isFresh()) return;
      const tsc = join(root, "node_modules", "typescript", "bin", "tsc");
      const built = spawnSync(process.execPath, [tsc, "-p", "tsconfig.build.json"], { cwd: root, encoding: "utf8" });
      if (built.status !== 0) throw new Error(`building the CLI failed:\n${built.stdout}${built.stderr}`);
      return;
    } finally {
      rmSync(lock, { recursive: true, force: true });
    }
  }
}

export interface CliResult {
  readonly code: number | null;
  readonly signal: NodeJS.Signals | null;
  readonly stdout: string;
  readonly stderr: string;
}

export interface CliOptions {
  /** Environment variables on top of a minimal environment (PATH, HOME); nothing else leaks in. */
  readonly env?: Readonly<Record<string, string>>;
  /** Written to stdin, which is then closed. */
  readonly input?: string;
}

/** Starts `moatkit <args>`; the caller reads and ends it. */
export function startCli(args: readonly string[], options: CliOptions = {}): ChildProcessWithoutNullStreams {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? "",
    HOME: process.env.HOME ?? "/tmp",
    ...options.env,
  };
  return spawn(process.execPath, [binPath, ...args], { cwd: root, env, stdio: "pipe" });
}

/** Collects a started CLI's output until it exits. */
export function finished(child: ChildProcessWithoutNullStreams): Promise<CliResult> {
  let stdout = "";
  let stderr = "";
  child.stdout.setEncoding("utf8").on("data", (c: string) => (stdout += c));
  child.stderr.setEncoding("utf8").on("data", (c: string) => (stderr += c));
  return new Promise((resolvePromise, reject) => {
    child.on("error", reject);
    child.on("close", (code, signal) => {
      resolvePromise({ code, signal, stdout, stderr });
    });
  });
}

/** Runs `moatkit <args>` to completion. */
export async function runCli(args: readonly string[], options: CliOptions = {}): Promise<CliResult> {
  const child = startCli(args, options);
  const done = finished(child);
  child.stdin.end(options.input ?? "");
  return done;
}
