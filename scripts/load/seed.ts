/**
 * Seeds the running app over HTTP, as its users would: each tenant signs up (owner), enrols
 * TOTP (which hands out recovery codes), issues an API key with the notes scopes and invites a
 * member, who logs in and enrols TOTP too. The recovery codes are the app's one-time tokens: the
 * load mix redeems them through POST /mfa/recovery.
 */
import { totpCode } from "../../src/testing/index.js";

export const PASSWORD = "load test password 1";

export interface Reply {
  readonly status: number;
  readonly body: Record<string, unknown>;
}

export interface CallOptions {
  readonly token?: string;
  readonly apiKey?: string;
  readonly body?: unknown;
  /** Sent as X-Forwarded-For: the app trusts loopback proxies here, so each test client has an address. */
  readonly ip?: string;
}

/** One HTTP call to the app on `port`. */
export async function call(port: number, method: string, path: string, options: CallOptions = {}): Promise<Reply> {
  const headers: Record<string, string> = { "x-forwarded-for": options.ip ?? "192.0.2.1" };
  if (options.token !== undefined) headers["authorization"] = `Bearer ${options.token}`;
  if (options.apiKey !== undefined) headers["x-api-key"] = options.apiKey;
  if (options.body !== undefined) headers["content-type"] = "application/json";
  const response = await fetch(`http://127.0.0.1:${String(port)}${path}`, {
    method,
    headers,
    ...(options.body === undefined ? {} : { body: JSON.stringify(options.body) }),
  });
  const text = await response.text();
  let body: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed === "object" && parsed !== null) body = parsed as Record<string, unknown>;
  } catch {
    // not JSON (204, or an error page)
  }
  return { status: response.status, body };
}

function expectStatus(reply: Reply, status: number, what: string): Reply {
  if (reply.status !== status)
    throw new Error(`${what} answered ${String(reply.status)} ${JSON.stringify(reply.body)}`);
  return reply;
}

export interface SeedUser {
  readonly id: string;
  readonly email: string;
  /** A session stepped up with TOTP (amr pwd+otp), valid for 15 minutes. */
  readonly token: string;
  /** Recovery codes not yet handed to the load mix. */
  readonly recoveryCodes: string[];
}

export interface SeedTenant {
  readonly index: number;
  readonly orgId: string;
  readonly owner: SeedUser;
  readonly member: SeedUser;
  readonly apiKey: string;
  /** Notes this tenant wrote (id → body), filled in by the load mix. */
  readonly notes: Map<string, string>;
}

/** Enrols TOTP for the session's user; returns a stepped-up session and the recovery codes. */
async function enrollTotp(port: number, token: string, ip: string): Promise<{ token: string; codes: string[] }> {
  const enrolled = expectStatus(await call(port, "POST", "/mfa/totp/enroll", { token, ip }), 201, "enroll");
  const secret = String(enrolled.body["secret"]);
  const confirmed = expectStatus(
    await call(port, "POST", "/mfa/totp/confirm", { token, ip, body: { code: totpCode(secret, Date.now()) } }),
    200,
    "confirm",
  );
  return { token: String(confirmed.body["accessToken"]), codes: confirmed.body["recoveryCodes"] as string[] };
}

async function seedTenant(port: number, turnstileToken: string, index: number, runId: string): Promise<SeedTenant> {
  const ip = `192.0.2.${String(1 + (index % 200))}`;
  const ownerEmail = `owner${String(index)}.${runId}@load.example`;
  const signup = expectStatus(
    await call(port, "POST", "/auth/signup", {
      ip,
      body: {
        email: ownerEmail,
        password: PASSWORD,
        orgName: `Load ${String(index)}`,
        "cf-turnstile-response": turnstileToken,
      },
    }),
    201,
    "signup",
  );
  const orgId = String(signup.body["orgId"]);
  const ownerId = String(signup.body["userId"]);
  const owner = await enrollTotp(port, String(signup.body["accessToken"]), ip);
  const key = expectStatus(
    await call(port, "POST", "/keys", {
      token: owner.token,
      ip,
      body: { name: "load", scopes: ["notes:read", "notes:write"], role: "member" },
    }),
    201,
    "issue key",
  );
  const memberEmail = `member${String(index)}.${runId}@load.example`;
  const invited = expectStatus(
    await call(port, "POST", "/admin/members", {
      token: owner.token,
      ip,
      body: { email: memberEmail, password: PASSWORD, role: "member" },
    }),
    201,
    "invite",
  );
  const login = expectStatus(
    await call(port, "POST", "/auth/login", { ip, body: { email: memberEmail, password: PASSWORD } }),
    200,
    "member login",
  );
  const member = await enrollTotp(port, String(login.body["accessToken"]), ip);
  return {
    index,
    orgId,
    owner: { id: ownerId, email: ownerEmail, token: owner.token, recoveryCodes: owner.codes },
    member: { id: String(invited.body["id"]), email: memberEmail, token: member.token, recoveryCodes: member.codes },
    apiKey: String(key.body["key"]),
    notes: new Map(),
  };
}

/** Seeds `count` tenants, a few at a time. */
export async function seedTenants(
  port: number,
  turnstileToken: string,
  count: number,
  runId: string,
): Promise<SeedTenant[]> {
  const tenants: SeedTenant[] = [];
  const parallel = 4;
  for (let start = 0; start < count; start += parallel) {
    const batch = [];
    for (let i = start; i < Math.min(count, start + parallel); i++)
      batch.push(seedTenant(port, turnstileToken, i, runId));
    tenants.push(...(await Promise.all(batch)));
  }
  return tenants;
}
