/**
 * A local stand-in for Cloudflare's siteverify endpoint, for tests, the demo tour and local
 * runs: it answers like the real one (form-encoded POST in, JSON out, `error-codes` on failure)
 * for tokens it issued itself, each valid once.
 */
import { randomBytes } from "node:crypto";
import { once } from "node:events";
import { createServer } from "node:http";
import type { AddressInfo } from "node:net";

export interface FakeTurnstile {
  /** The siteverify URL to give the app. */
  readonly verifyUrl: string;
  /** The secret it accepts. */
  readonly secret: string;
  /** A fresh token, as the widget would put in `cf-turnstile-response`; valid once. */
  issue(): string;
  /** How many verifications it answered. */
  readonly calls: number;
  close(): Promise<void>;
}

export interface FakeTurnstileOptions {
  /** The hostname reported for a solved challenge (default "localhost"). */
  readonly hostname?: string;
  /** A token that always passes, for local runs (like Cloudflare's test keys); none by default. */
  readonly devToken?: string;
}

export async function startFakeTurnstile(options: FakeTurnstileOptions = {}): Promise<FakeTurnstile> {
  const secret = `fake-secret-${randomBytes(8).toString("hex")}`;
  const hostname = options.hostname ?? "localhost";
  const issued = new Set<string>();
  const spent = new Set<string>();
  let calls = 0;

  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      calls += 1;
      const form = new URLSearchParams(Buffer.concat(chunks).toString("utf8"));
      const token = form.get("response") ?? "";
      let body: Record<string, unknown>;
      if (req.method !== "POST" || req.url !== "/siteverify") {
        res.writeHead(404).end();
        return;
      } else if (form.get("secret") !== secret) {
        body = { success: false, "error-codes": ["invalid-input-secret"] };
      } else if (token === "") {
        body = { success: false, "error-codes": ["missing-input-response"] };
      } else if (token === options.devToken) {
        body = { success: true, hostname, challenge_ts: new Date().toISOString(), "error-codes": [] };
      } else if (spent.has(token)) {
        body = { success: false, "error-codes": ["timeout-or-duplicate"] };
      } else if (!issued.has(token)) {
        body = { success: false, "error-codes": ["invalid-input-response"] };
      } else {
        issued.delete(token);
        spent.add(token);
        body = { success: true, hostname, challenge_ts: new Date().toISOString(), "error-codes": [] };
      }
      res.writeHead(200, { "content-type": "application/json" }).end(JSON.stringify(body));
    });
  });
  server.listen(0, "127.0.0.1");
  await once(server, "listening");
  const { port } = server.address() as AddressInfo;

  return {
    verifyUrl: `http://127.0.0.1:${String(port)}/siteverify`,
    secret,
    issue() {
      const token = `fake.${randomBytes(24).toString("base64url")}`;
      issued.add(token);
      return token;
    },
    get calls() {
      return calls;
    },
    async close() {
      server.closeAllConnections();
      server.close();
      await once(server, "close");
    },
  };
}
