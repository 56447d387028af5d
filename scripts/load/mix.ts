/**
 * The request mix both runs drive with autocannon: logins (some from a few hot addresses that
 * hit the login limit, most from fresh addresses), note writes and reads with API keys and with
 * sessions across every tenant, reads of another tenant's notes, made-up API keys, and
 * recovery-code redemptions (each code sent twice, back to back, so two requests race for it).
 *
 * Every answer is checked as it arrives: a note read must return exactly what its tenant wrote,
 * another tenant's note must not be found, a made-up key must not pass. What does not hold is a
 * violation, and the runs fail on any.
 */
import autocannon from "autocannon";
import { mulberry32 } from "../../test/helpers/generate.js";
import { PASSWORD, type SeedTenant } from "./seed.js";

export type OpKind =
  | "login"
  | "login-wrong-password"
  | "note-write-key"
  | "note-write-session"
  | "note-read-key"
  | "note-read-session"
  | "note-read-other-tenant"
  | "made-up-key"
  | "recovery-code";

const WEIGHTS: readonly (readonly [OpKind, number])[] = [
  ["login", 14],
  ["login-wrong-password", 2],
  ["note-write-key", 20],
  ["note-write-session", 8],
  ["note-read-key", 22],
  ["note-read-session", 8],
  ["note-read-other-tenant", 10],
  ["made-up-key", 4],
  ["recovery-code", 12],
];

/** A recovery code and the session of the user it belongs to. */
export interface RecoveryAttempt {
  readonly code: string;
  readonly token: string;
}

/** One answered request (timestamps in ms since the epoch). */
export interface ResponseRecord {
  readonly op: OpKind;
  readonly status: number;
  readonly start: number;
  readonly end: number;
}

/** What the mix learned, across runs. */
export interface MixState {
  readonly tenants: readonly SeedTenant[];
  /** Addresses that send many logins and must be cut off at the limit. */
  readonly hotIps: readonly string[];
  /** Logins that got past the limiter (200 or 401) per client address. */
  readonly admittedLogins: Map<string, number>;
  /** 200 answers per recovery code. */
  readonly codeWins: Map<string, number>;
  /** Every recovery code sent. */
  readonly codesTried: Set<string>;
  /** Answers (any status) per recovery code: a run that ends cuts some attempts off unanswered. */
  readonly codeAnswers: Map<string, number>;
  /** Note ids answered 201 (with their tenant), for the audit check. */
  readonly createdNotes: Map<string, string>;
  /** Logins answered 200 per user id... counted by email, for the audit check. */
  readonly loginsOk: Map<string, number>;
  readonly violations: string[];
  /** Kept only when `keepRecords` is set (the chaos run needs the timeline). */
  readonly records: ResponseRecord[];
  readonly keepRecords: boolean;
  recoveryQueue: RecoveryAttempt[];
  coldIp: number;
  random: () => number;
}

export function createMixState(tenants: readonly SeedTenant[], keepRecords: boolean): MixState {
  return {
    tenants,
    hotIps: ["203.0.113.1", "203.0.113.2"],
    admittedLogins: new Map(),
    codeWins: new Map(),
    codesTried: new Set(),
    codeAnswers: new Map(),
    createdNotes: new Map(),
    loginsOk: new Map(),
    violations: [],
    records: [],
    keepRecords,
    recoveryQueue: [],
    coldIp: 0,
    random: mulberry32(22),
  };
}

/**
 * Queues `perUser` recovery codes of each given user, each code twice in a row. The example
 * allows 10 second-factor attempts per user per 15 minutes and TOTP confirmation took one.
 */
export function queueRecoveryCodes(state: MixState, users: readonly SeedTenant["owner"][], perUser: number): void {
  for (const user of users) {
    for (const code of user.recoveryCodes.splice(0, perUser)) {
      state.recoveryQueue.push({ code, token: user.token }, { code, token: user.token });
    }
  }
}

interface Planned {
  readonly op: OpKind;
  readonly method: string;
  readonly path: string;
  readonly headers: Record<string, string>;
  readonly body?: string;
  /** Checks the answer; returns a violation or undefined. */
  readonly check: (status: number, body: string) => string | undefined;
}

function pick<T>(state: MixState, items: readonly T[]): T {
  const item = items[Math.floor(state.random() * items.length)];
  if (item === undefined) throw new Error("pick from an empty list");
  return item;
}

function pickOp(state: MixState): OpKind {
  const total = WEIGHTS.reduce((s, [, w]) => s + w, 0);
  let r = state.random() * total;
  for (const [op, w] of WEIGHTS) {
    r -= w;
    if (r < 0) return op;
  }
  return "note-read-key";
}

function parse(body: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(body);
    return typeof v === "object" && v !== null ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

function randomNote(state: MixState, tenant: SeedTenant): [string, string] | undefined {
  if (tenant.notes.size === 0) return undefined;
  // The newest hundred: cheap to pick from, and the older ones are read after the run.
  const ids = [...tenant.notes.keys()].slice(-100);
  const id = pick(state, ids);
  return [id, tenant.notes.get(id) ?? ""];
}

let noteCounter = 0;

/** Plans the next request of the mix. */
export function planRequest(state: MixState): Planned {
  const op = pickOp(state);
  const tenant = pick(state, state.tenants);
  const json = { "content-type": "application/json" };
  switch (op) {
    case "login":
    case "login-wrong-password": {
      const hot = state.random() < 0.5;
      const ip = hot
        ? pick(state, state.hotIps)
        : `10.${String((++state.coldIp >> 16) & 255)}.${String((state.coldIp >> 8) & 255)}.${String(state.coldIp & 255)}`;
      const user = state.random() < 0.5 ? tenant.owner : tenant.member;
      const wrong = op === "login-wrong-password";
      return {
        op,
        method: "POST",
        path: "/auth/login",
        headers: { ...json, "x-forwarded-for": ip },
        body: JSON.stringify({ email: user.email, password: wrong ? `${PASSWORD}x` : PASSWORD }),
        check: (status) => {
          if (status === 200 || status === 401) state.admittedLogins.set(ip, (state.admittedLogins.get(ip) ?? 0) + 1);
          if (status === 200 && !wrong) state.loginsOk.set(user.id, (state.loginsOk.get(user.id) ?? 0) + 1);
          if (wrong && status >= 200 && status < 300) return "a wrong password logged in";
          return undefined;
        },
      };
    }
    case "note-write-key":
    case "note-write-session": {
      noteCounter += 1;
      const text = `note ${String(noteCounter)} of ${tenant.orgId}: card 4111 1111 1111 1111`;
      const auth: Record<string, string> =
        op === "note-write-key" ? { "x-api-key": tenant.apiKey } : { authorization: `Bearer ${tenant.member.token}` };
      return {
        op,
        method: "POST",
        path: "/notes",
        headers: { ...json, ...auth },
        body: JSON.stringify({ body: text }),
        check: (status, body) => {
          if (status !== 201) return undefined;
          const id = parse(body)["id"];
          if (typeof id !== "string") return "a note write answered 201 without an id";
          tenant.notes.set(id, text);
          state.createdNotes.set(id, tenant.orgId);
          return undefined;
        },
      };
    }
    case "note-read-key":
    case "note-read-session": {
      const note = randomNote(state, tenant);
      if (note === undefined) return planRequest(state);
      const [id, text] = note;
      const auth: Record<string, string> =
        op === "note-read-key" ? { "x-api-key": tenant.apiKey } : { authorization: `Bearer ${tenant.owner.token}` };
      return {
        op,
        method: "GET",
        path: `/notes/${id}`,
        headers: auth,
        check: (status, body) => {
          if (status === 200) {
            const got = parse(body);
            if (got["id"] !== id || got["body"] !== text) return `note ${id} read back different data`;
          } else if (status === 404) {
            return `tenant ${tenant.orgId} lost its note ${id}`;
          }
          return undefined;
        },
      };
    }
    case "note-read-other-tenant": {
      const other =
        state.tenants[
          (tenant.index + 1 + Math.floor(state.random() * (state.tenants.length - 1))) % state.tenants.length
        ];
      const note = other === undefined ? undefined : randomNote(state, other);
      if (note === undefined || other === undefined || other === tenant) return planRequest(state);
      const [id] = note;
      return {
        op,
        method: "GET",
        path: `/notes/${id}`,
        headers: { "x-api-key": tenant.apiKey },
        check: (status) =>
          status >= 200 && status < 300 ? `tenant ${tenant.orgId} read note ${id} of ${other.orgId}` : undefined,
      };
    }
    case "made-up-key": {
      const fake = `saas_live_${Buffer.from(String(state.random())).toString("hex").padEnd(40, "0")}`;
      return {
        op,
        method: "GET",
        path: "/notes",
        headers: { "x-api-key": fake },
        check: (status) => (status >= 200 && status < 300 ? "a made-up API key was let in" : undefined),
      };
    }
    case "recovery-code": {
      const attempt = state.recoveryQueue.shift();
      if (attempt === undefined) return planRequest(state);
      state.codesTried.add(attempt.code);
      return {
        op,
        method: "POST",
        path: "/mfa/recovery",
        headers: { ...json, authorization: `Bearer ${attempt.token}`, "x-forwarded-for": "198.51.100.7" },
        body: JSON.stringify({ code: attempt.code }),
        check: (status) => {
          state.codeAnswers.set(attempt.code, (state.codeAnswers.get(attempt.code) ?? 0) + 1);
          if (status === 200) state.codeWins.set(attempt.code, (state.codeWins.get(attempt.code) ?? 0) + 1);
          return undefined;
        },
      };
    }
  }
}

/** Per-run numbers. */
export interface RunResult {
  readonly requests: number;
  readonly rps: number;
  readonly p50: number;
  readonly p99: number;
  /** Connection errors and timeouts (no HTTP answer). */
  readonly errors: number;
  /** Answers by status. */
  readonly statuses: Record<string, number>;
}

interface Ctx {
  planned?: Planned;
  start?: number;
}

/** Drives the mix for `duration` seconds (or until `stop` is called) over `connections`. */
export function driveMix(
  state: MixState,
  options: { port: number; connections: number; duration: number },
): { result: Promise<RunResult>; stop: () => void } {
  const statuses: Record<string, number> = {};
  let settle: ((r: RunResult) => void) | undefined;
  let fail: ((err: unknown) => void) | undefined;
  const result = new Promise<RunResult>((resolve, reject) => {
    settle = resolve;
    fail = reject;
  });
  const instance = autocannon(
    {
      url: `http://127.0.0.1:${String(options.port)}`,
      connections: options.connections,
      duration: options.duration,
      timeout: 15,
      requests: [
        {
          setupRequest: (_req, context) => {
            const ctx = context as Ctx;
            const planned = planRequest(state);
            ctx.planned = planned;
            ctx.start = Date.now();
            return {
              method: planned.method as autocannon.Request["method"],
              path: planned.path,
              headers: planned.headers,
              ...(planned.body === undefined ? {} : { body: planned.body }),
            };
          },
          onResponse: (status, body, context) => {
            const ctx = context as Ctx;
            const planned = ctx.planned;
            if (planned === undefined) return;
            statuses[String(status)] = (statuses[String(status)] ?? 0) + 1;
            const violation = planned.check(status, body);
            if (violation !== undefined)
              state.violations.push(`${planned.op}: ${violation} (status ${String(status)})`);
            if (state.keepRecords)
              state.records.push({ op: planned.op, status, start: ctx.start ?? 0, end: Date.now() });
          },
        },
      ],
    },
    (err: unknown, r: autocannon.Result) => {
      if (err !== null && err !== undefined) {
        fail?.(err);
        return;
      }
      settle?.({
        requests: r.requests.total,
        rps: r.requests.average,
        p50: r.latency.p50,
        p99: r.latency.p99,
        errors: r.errors + r.timeouts,
        statuses,
      });
    },
  );
  return {
    result,
    stop: () => {
      instance.stop();
    },
  };
}
