/**
 * Starts app-process.ts as a child (node --expose-gc, tsx loader) and talks to it: its port,
 * its memory after a forced GC, and any fatal event (unhandled rejection, uncaught exception,
 * unexpected exit), which the runs check at the end.
 */
import { type ChildProcess, fork } from "node:child_process";
import { createWriteStream } from "node:fs";
import { fileURLToPath } from "node:url";
import type { AppMessage } from "./app-process.js";

export interface AppSettings {
  readonly databaseUrl: string;
  readonly redisUrl: string;
  readonly redisPrefix: string;
  readonly appRole: string;
  readonly masterKeys: string;
  readonly poolMax: number;
  readonly bcryptCost: number;
  /** Where the child's stdout/stderr go. */
  readonly logFile: string;
}

export interface RunningApp {
  readonly port: number;
  readonly turnstileToken: string;
  /** Heap used and RSS after a forced GC, in bytes. */
  memory(): Promise<{ heapUsed: number; rss: number }>;
  /** Fatal events so far (an unhandled rejection, an uncaught exception, an exit nobody asked for). */
  readonly fatal: string[];
  stop(): Promise<void>;
}

export async function startApp(settings: AppSettings): Promise<RunningApp> {
  const script = fileURLToPath(new URL("./app-process.ts", import.meta.url));
  const log = createWriteStream(settings.logFile, { flags: "a" });
  const child: ChildProcess = fork(script, [], {
    execArgv: ["--expose-gc", "--import", "tsx"],
    env: {
      ...process.env,
      LOAD_DATABASE_URL: settings.databaseUrl,
      LOAD_REDIS_URL: settings.redisUrl,
      LOAD_REDIS_PREFIX: settings.redisPrefix,
      LOAD_APP_ROLE: settings.appRole,
      LOAD_POOL_MAX: String(settings.poolMax),
      LOAD_BCRYPT_COST: String(settings.bcryptCost),
      MOATKIT_MASTER_KEYS: settings.masterKeys,
    },
    stdio: ["ignore", "pipe", "pipe", "ipc"],
  });
  child.stdout?.pipe(log);
  child.stderr?.pipe(log);
  const fatal: string[] = [];
  let stopping = false;
  const memoryWaiters: ((m: { heapUsed: number; rss: number }) => void)[] = [];
  child.on("message", (message: AppMessage) => {
    if (message.type === "fatal") fatal.push(`${message.kind}: ${message.message.split("\n")[0] ?? ""}`);
    if (message.type === "memory") memoryWaiters.shift()?.({ heapUsed: message.heapUsed, rss: message.rss });
  });
  const exited = new Promise<void>((resolve) => {
    child.once("exit", (code, signal) => {
      if (!stopping) fatal.push(`the app exited (code ${String(code)}, signal ${String(signal)})`);
      resolve();
    });
  });
  const listening = await new Promise<Extract<AppMessage, { type: "listening" }>>((resolve, reject) => {
    child.on("message", (message: AppMessage) => {
      if (message.type === "listening") resolve(message);
    });
    void exited.then(() => {
      reject(new Error(`the app did not start; see ${settings.logFile}`));
    });
  });
  return {
    port: listening.port,
    turnstileToken: listening.turnstileToken,
    fatal,
    memory: () =>
      new Promise((resolve) => {
        memoryWaiters.push(resolve);
        child.send("memory");
      }),
    stop: async () => {
      stopping = true;
      if (child.exitCode === null) child.send("stop");
      const timer = setTimeout(() => child.kill("SIGKILL"), 10_000);
      await exited;
      clearTimeout(timer);
      log.end();
    },
  };
}
