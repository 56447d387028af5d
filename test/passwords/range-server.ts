/**
 * A local implementation of the Pwned Passwords range API for tests: GET /range/{5 hex} answers
 * `SUFFIX:COUNT` lines (CRLF) for the corpus it was given, plus padding lines with count 0 when
 * the request asks for them. It records every request, and can be told to stall, fail or answer
 * garbage.
 */
import { type Server, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import { sha1 } from "@noble/hashes/legacy.js";
import { bytesToHex } from "@noble/hashes/utils.js";

export interface RangeRequest {
  readonly url: string;
  readonly headers: Record<string, string | string[] | undefined>;
}

export type RangeMode = "normal" | "stall" | "error" | "garbage" | "huge";

export interface RangeServer {
  readonly url: string;
  readonly requests: RangeRequest[];
  mode: RangeMode;
  close(): Promise<void>;
}

export function sha1Hex(password: string): string {
  return bytesToHex(sha1(new TextEncoder().encode(password))).toUpperCase();
}

export async function startRangeServer(corpus: Record<string, number>): Promise<RangeServer> {
  const byPrefix = new Map<string, [string, number][]>();
  for (const [password, count] of Object.entries(corpus)) {
    const hash = sha1Hex(password);
    const list = byPrefix.get(hash.slice(0, 5)) ?? [];
    list.push([hash.slice(5), count]);
    byPrefix.set(hash.slice(0, 5), list);
  }
  const requests: RangeRequest[] = [];
  const stalled: (() => void)[] = [];
  const state = { mode: "normal" as RangeMode };
  const server: Server = createServer((req, res) => {
    requests.push({ url: req.url ?? "", headers: req.headers });
    const match = /^\/range\/([0-9A-Fa-f]{5})$/.exec(req.url ?? "");
    if (state.mode === "stall") {
      stalled.push(() => res.destroy());
      return;
    }
    if (state.mode === "error") {
      res.writeHead(503).end("busy");
      return;
    }
    if (match === null) {
      res.writeHead(400).end("The hash prefix was not in a valid format");
      return;
    }
    if (state.mode === "garbage") {
      res.writeHead(200, { "content-type": "text/plain" }).end("<html>not a range answer</html>");
      return;
    }
    if (state.mode === "huge") {
      res.writeHead(200, { "content-type": "text/plain" }).end(`${"0".repeat(35)}:1\r\n`.repeat(40_000));
      return;
    }
    const lines = (byPrefix.get((match[1] as string).toUpperCase()) ?? []).map(([s, c]) => `${s}:${c}`);
    if (req.headers["add-padding"] === "true") {
      for (let i = 0; lines.length < 800; i++) lines.push(`${i.toString(16).toUpperCase().padStart(35, "F")}:0`);
    }
    res.writeHead(200, { "content-type": "text/plain" }).end(lines.join("\r\n"));
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/range/`,
    requests,
    get mode() {
      return state.mode;
    },
    set mode(m: RangeMode) {
      state.mode = m;
    },
    async close() {
      for (const release of stalled.splice(0)) release();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
