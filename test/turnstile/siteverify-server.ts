/**
 * A local stand-in for Cloudflare's siteverify endpoint, on 127.0.0.1, answering the way the
 * real one does (form-encoded POST in, JSON out, error codes from Cloudflare's documentation),
 * plus misbehaviours on request: HTTP 500, a non-JSON body, a hang.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

export const SECRET = "0x4AAAAAAA-local-test-secret-do-not-log";
export const HOSTNAME = "app.example.test";
export const ACTION = "login";

export interface SiteverifyRequest {
  readonly method: string;
  readonly contentType: string;
  readonly params: Record<string, string>;
}

export interface SiteverifyServer {
  readonly url: string;
  readonly requests: SiteverifyRequest[];
  close(): Promise<void>;
}

type Answer = { readonly status: number; readonly body: string; readonly type: string } | "hang";

const json = (status: number, body: unknown): Answer => ({
  status,
  body: JSON.stringify(body),
  type: "application/json",
});

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    let data = "";
    req.setEncoding("utf8");
    req.on("data", (chunk: string) => {
      data += chunk;
    });
    req.on("end", () => {
      resolve(data);
    });
    req.on("error", reject);
  });
}

export async function startSiteverifyServer(): Promise<SiteverifyServer> {
  const requests: SiteverifyRequest[] = [];
  // Tokens are single use; an idempotency key replays the first answer instead.
  const redeemed = new Map<string, string | undefined>();

  function answer(params: Record<string, string>): Answer {
    const token = params.response ?? "";
    const success = {
      success: true,
      challenge_ts: "2026-01-01T00:00:00.000Z",
      hostname: HOSTNAME,
      action: ACTION,
      cdata: "session-42",
      "error-codes": [],
    };
    if (params.secret === undefined || params.secret === "")
      return json(200, { success: false, "error-codes": ["missing-input-secret"] });
    if (params.secret !== SECRET) return json(200, { success: false, "error-codes": ["invalid-input-secret"] });
    if (token === "") return json(200, { success: false, "error-codes": ["missing-input-response"] });
    switch (token) {
      case "hang":
        return "hang";
      case "http-500":
        return json(500, { success: true });
      case "not-json":
        return { status: 200, body: "<html>Service Unavailable</html>", type: "text/html" };
      case "no-success-field":
        return json(200, { hostname: HOSTNAME });
      case "success-as-string":
        return json(200, { success: "true", hostname: HOSTNAME });
      case "internal":
        return json(200, { success: false, "error-codes": ["internal-error"] });
      case "bad-request":
        return json(200, { success: false, "error-codes": ["bad-request"] });
      case "no-codes":
        return json(200, { success: false });
      case "other-host":
        return json(200, { ...success, hostname: "evil.example" });
      case "other-action":
        return json(200, { ...success, action: "signup" });
      case "no-action":
        return json(200, { ...success, action: undefined });
      default:
        break;
    }
    if (!token.startsWith("valid-")) return json(200, { success: false, "error-codes": ["invalid-input-response"] });
    if (redeemed.has(token)) {
      const key = redeemed.get(token);
      if (key !== undefined && key === params.idempotency_key) return json(200, success);
      return json(200, { success: false, "error-codes": ["timeout-or-duplicate"] });
    }
    redeemed.set(token, params.idempotency_key);
    return json(200, success);
  }

  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    void readBody(req).then((raw) => {
      const params = Object.fromEntries(new URLSearchParams(raw));
      requests.push({ method: req.method ?? "", contentType: req.headers["content-type"] ?? "", params });
      const reply = answer(params);
      if (reply === "hang") return;
      res.writeHead(reply.status, { "content-type": reply.type });
      res.end(reply.body);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${String(port)}/turnstile/v0/siteverify`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => {
          resolve();
        });
      }),
  };
}
