/**
 * The databases the load and chaos runs use. The load run takes a database of its own on the
 * shared PostgreSQL (and a key prefix of its own on the shared Redis); the chaos run starts a
 * private PostgreSQL cluster and a private redis-server on free ports in a temp dir, because it
 * stops and restarts them and must never disturb the shared services.
 */
import { type ChildProcess, execFile, spawn } from "node:child_process";
import { chmodSync, chownSync, mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { promisify } from "node:util";
import pg from "pg";

const run = promisify(execFile);

/** A port nothing listens on right now (the kernel picks it). */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise<void>((resolve) =>
    server.close(() => {
      resolve();
    }),
  );
  if (address === null || typeof address === "string") throw new Error("no port");
  return address.port;
}

export function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Drops and recreates `name` on the server of `adminUrl` (a database of the load run's own). */
export async function freshDatabase(adminUrl: string, name: string): Promise<string> {
  if (!/^[a-z_][a-z0-9_]*$/.test(name)) throw new Error("database names are lower-case identifiers");
  const client = new pg.Client({ connectionString: adminUrl });
  await client.connect();
  try {
    await client.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
    await client.query(`CREATE DATABASE ${name}`);
  } finally {
    await client.end();
  }
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

const PG_BIN = process.env["MOATKIT_PG_BIN"] ?? "/usr/lib/postgresql/15/bin";

/** A PostgreSQL cluster of the chaos run's own. */
export interface PrivatePostgres {
  readonly url: string;
  readonly port: number;
  /** Fast shutdown: open connections are terminated. */
  stop(): Promise<void>;
  /** Starts it again and waits until it accepts connections. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  destroy(): Promise<void>;
}

/**
 * initdb refuses to run as root, so as root the cluster belongs to the `postgres` system user
 * (runuser); as anyone else it is the caller's own.
 */
function asClusterUser(cmd: string, args: string[]): [string, string[]] {
  const root = process.getuid?.() === 0;
  return root ? ["runuser", ["-u", "postgres", "--", cmd, ...args]] : [cmd, args];
}

export async function startPrivatePostgres(): Promise<PrivatePostgres> {
  const dir = mkdtempSync(join(tmpdir(), "moatkit-chaos-pg-"));
  const data = join(dir, "data");
  if (process.getuid?.() === 0) {
    const { stdout } = await run("id", ["-u", "postgres"]);
    const { stdout: gid } = await run("id", ["-g", "postgres"]);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
    chmodSync(dir, 0o700);
  }
  const port = await freePort();
  const pgctl = (args: string[]): Promise<unknown> => {
    const [cmd, argv] = asClusterUser(join(PG_BIN, "pg_ctl"), args);
    return run(cmd, argv);
  };
  {
    const [cmd, argv] = asClusterUser(join(PG_BIN, "initdb"), [
      "-D",
      data,
      "-U",
      "postgres",
      "-A",
      "trust",
      "--no-sync",
      "-E",
      "UTF8",
    ]);
    await run(cmd, argv);
  }
  const options = `-p ${String(port)} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c max_connections=60`;
  const start = async (): Promise<void> => {
    await pgctl(["-D", data, "-l", join(dir, "log"), "-o", options, "-w", "-t", "30", "start"]);
  };
  await start();
  return {
    url: `postgres://postgres@127.0.0.1:${String(port)}/postgres`,
    port,
    stop: async () => {
      await pgctl(["-D", data, "-m", "fast", "-w", "-t", "30", "stop"]);
    },
    start,
    destroy: async () => {
      try {
        await pgctl(["-D", data, "-m", "immediate", "-w", "-t", "30", "stop"]);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** A redis-server of the chaos run's own, as a child process. */
export interface PrivateRedis {
  readonly url: string;
  /** SIGTERM: Redis flushes its append-only file and exits. */
  stop(): Promise<void>;
  /** Starts it again (same port, same data) and waits for PONG. */
  start(): Promise<void>;
  destroy(): Promise<void>;
}

/**
 * Rate-limit counters must outlive a Redis restart, or a restart would hand every client a fresh
 * allowance: the private server keeps an append-only file fsynced on every write.
 */
export async function startPrivateRedis(): Promise<PrivateRedis> {
  const dir = mkdtempSync(join(tmpdir(), "moatkit-chaos-redis-"));
  const port = await freePort();
  let child: ChildProcess | undefined;
  const start = async (): Promise<void> => {
    child = spawn(
      "redis-server",
      [
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--dir",
        dir,
        "--save",
        "",
        "--appendonly",
        "yes",
        "--appendfsync",
        "always",
        "--logfile",
        join(dir, "redis.log"),
      ],
      { stdio: "ignore" },
    );
    for (let i = 0; i < 100; i++) {
      try {
        const { stdout } = await run("redis-cli", ["-p", String(port), "ping"]);
        if (stdout.trim() === "PONG") return;
      } catch {
        // not up yet
      }
      await sleep(50);
    }
    throw new Error("the private redis-server did not answer PONG");
  };
  const stop = async (): Promise<void> => {
    const c = child;
    if (c === undefined || c.exitCode !== null) return;
    const exited = new Promise<void>((resolve) =>
      c.once("exit", () => {
        resolve();
      }),
    );
    c.kill("SIGTERM");
    await exited;
  };
  await start();
  return {
    url: `redis://127.0.0.1:${String(port)}`,
    stop,
    start,
    destroy: async () => {
      await stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
