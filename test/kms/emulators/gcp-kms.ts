/**
 * A Cloud KMS emulator: the HTTP/JSON API that `@google-cloud/kms`'s REST transport speaks
 * (`new KeyManagementServiceClient({ fallback: true, … })`), on 127.0.0.1 and a port the OS
 * picks. It implements what moatkit calls — `POST /v1/{CryptoKey or CryptoKeyVersion}:encrypt`
 * and `POST /v1/{CryptoKey}:decrypt` — the way the service behaves:
 *
 * - each CryptoKeyVersion is an AES-256-GCM key; the ciphertext names its version, and the GCM
 *   associated data covers the CryptoKey name, the version and the caller's additional
 *   authenticated data, so a changed byte, another key or another AAD is INVALID_ARGUMENT;
 * - versions are ENABLED, DISABLED or DESTROYED (FAILED_PRECONDITION when not enabled); a
 *   rotation adds a version and makes it primary; encrypt with a CryptoKey name uses the primary;
 * - the CRC32C integrity fields are checked on requests and filled in on responses;
 * - a bearer token is required (UNAUTHENTICATED), unknown keys are NOT_FOUND;
 * - latency, outages (503 UNAVAILABLE), throttling (429 RESOURCE_EXHAUSTED) and lies (a response
 *   whose integrity fields or version do not match) can be injected.
 */
import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import { KeyManagementServiceClient } from "@google-cloud/kms";
import { crc32c } from "../../../src/kms/gcp/crc32c.js";
import type { EmulatorControls } from "../provider-suite.js";

export type VersionState = "ENABLED" | "DISABLED" | "DESTROYED";

/** Ways the emulator can answer falsely, to show the provider checks what comes back. */
export type GcpLie =
  | "ciphertext-crc" // encrypt: ciphertextCrc32c of other bytes
  | "unverified-plaintext" // encrypt: verifiedPlaintextCrc32c false
  | "unverified-aad" // encrypt: verifiedAdditionalAuthenticatedDataCrc32c false
  | "other-version" // encrypt: names (and uses) the primary instead of the version asked for
  | "plaintext-crc" // decrypt: plaintextCrc32c of other bytes
  | "short-plaintext"; // decrypt: 31 bytes

export interface GcpKmsEmulator extends EmulatorControls {
  /** `http://127.0.0.1:<port>` */
  readonly url: string;
  readonly port: number;
  /** The bearer token requests must carry. */
  readonly token: string;
  /** `projects/…/cryptoKeys/<first key>` */
  readonly cryptoKeyName: string;
  /** The first key's version 1 (the one to pin). */
  readonly firstVersionName: string;
  /** The CryptoKey name of another key id given at start. */
  cryptoKey(keyId: string): string;
  /** Rotates the named key (the first by default); resolves the new version's name. */
  rotate(keyId?: string): string;
  /** Sets one version's state (`…/cryptoKeyVersions/N`). */
  setVersionState(versionName: string, state: VersionState): void;
  /** The next `calls` answers lie in the given way. */
  lie(kind: GcpLie, calls: number): void;
  /** The last request's path and JSON body, for checking what the client sent. */
  lastRequest(): { readonly path: string; readonly body: Readonly<Record<string, unknown>> } | undefined;
  /** A real client on the REST transport, pointed here, with a stub auth client holding `token`. */
  client(token?: string): KeyManagementServiceClient;
}

interface Version {
  readonly number: number;
  readonly key: Buffer;
  state: VersionState;
}

interface CryptoKey {
  readonly name: string;
  readonly versions: Version[];
  primary: number;
}

class ApiError extends Error {
  constructor(
    readonly http: number,
    readonly status: string,
    message: string,
  ) {
    super(message);
  }
}

const LOCATION = "projects/moatkit-test/locations/europe-west1/keyRings/app";
const MAX_BODY = 1 << 20;

function addVersion(key: CryptoKey): Version {
  const version: Version = { number: key.versions.length + 1, key: randomBytes(32), state: "ENABLED" };
  key.versions.push(version);
  key.primary = version.number;
  return version;
}

function gcmAad(keyName: string, version: number, aad: Buffer): Buffer {
  const name = Buffer.from(keyName, "utf8");
  const head = Buffer.alloc(8);
  head.writeUInt32BE(name.length, 0);
  head.writeUInt32BE(version, 4);
  return Buffer.concat([head, name, aad]);
}

function bytesField(body: Record<string, unknown>, field: string, required: boolean): Buffer {
  const value = body[field];
  if (value === undefined && !required) return Buffer.alloc(0);
  if (typeof value !== "string" || (required && value.length === 0))
    throw new ApiError(400, "INVALID_ARGUMENT", `${field} is required`);
  return Buffer.from(value, "base64");
}

/** Checks an optional Int64Value CRC32C field; true when it was present (and matched). */
function checkCrc(body: Record<string, unknown>, field: string, data: Buffer, dataField: string): boolean {
  const value = body[field];
  if (value === undefined) return false;
  if (typeof value !== "string" || value !== String(crc32c(data)))
    throw new ApiError(
      400,
      "INVALID_ARGUMENT",
      `The checksum in field ${field} did not match the data in field ${dataField}.`,
    );
  return true;
}

function versionNameOf(key: CryptoKey, version: number): string {
  return `${key.name}/cryptoKeyVersions/${String(version)}`;
}

function requireEnabled(key: CryptoKey, version: Version): void {
  if (version.state !== "ENABLED")
    throw new ApiError(
      400,
      "FAILED_PRECONDITION",
      `${versionNameOf(key, version.number)} is not enabled, current state is: ${version.state}.`,
    );
}

/** Starts an emulator holding one CryptoKey per id (default one, `fields`), each with version 1. */
export async function startGcpKmsEmulator(options: { keyIds?: readonly string[] } = {}): Promise<GcpKmsEmulator> {
  const keys = new Map<string, CryptoKey>();
  for (const id of options.keyIds ?? ["fields"]) {
    const key: CryptoKey = { name: `${LOCATION}/cryptoKeys/${id}`, versions: [], primary: 0 };
    addVersion(key);
    keys.set(key.name, key);
  }
  const first = [...keys.values()][0];
  if (first === undefined) throw new Error("at least one key id");
  const token = randomBytes(16).toString("hex");
  const counts: Record<string, number> = {};
  // The injected failure and how many more requests it answers (fail() replaces, so 0 clears).
  let failing: { mode: "outage" | "throttle"; remaining: number } = { mode: "outage", remaining: 0 };
  const pendingLies: GcpLie[] = [];
  const held = new Set<NodeJS.Timeout>();
  let latency = 0;
  let lastVersion: string | undefined;
  let last: { path: string; body: Record<string, unknown> } | undefined;

  function findKey(name: string): CryptoKey {
    const key = keys.get(name);
    if (key === undefined) throw new ApiError(404, "NOT_FOUND", `${name} not found.`);
    return key;
  }

  function nextLie(kind: GcpLie): boolean {
    if (pendingLies[0] !== kind) return false;
    pendingLies.shift();
    return true;
  }

  function encrypt(name: string, body: Record<string, unknown>): Record<string, unknown> {
    const match = /^(.*)\/cryptoKeyVersions\/(\d+)$/.exec(name);
    const key = findKey(match?.[1] ?? name);
    let number = match === null ? key.primary : Number(match[2]);
    if (nextLie("other-version")) number = key.primary;
    const version = key.versions[number - 1];
    if (version === undefined) throw new ApiError(404, "NOT_FOUND", `${name} not found.`);
    requireEnabled(key, version);
    const plaintext = bytesField(body, "plaintext", true);
    const aad = bytesField(body, "additionalAuthenticatedData", false);
    const verifiedPlaintext = checkCrc(body, "plaintextCrc32c", plaintext, "plaintext");
    const verifiedAad = checkCrc(body, "additionalAuthenticatedDataCrc32c", aad, "additional_authenticated_data");
    const nonce = randomBytes(12);
    const head = Buffer.alloc(4);
    head.writeUInt32BE(version.number, 0);
    const cipher = createCipheriv("aes-256-gcm", version.key, nonce);
    cipher.setAAD(gcmAad(key.name, version.number, aad));
    const sealed = Buffer.concat([cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    const ciphertext = Buffer.concat([head, nonce, sealed]);
    lastVersion = versionNameOf(key, version.number);
    return {
      name: lastVersion,
      ciphertext: ciphertext.toString("base64"),
      ciphertextCrc32c: String(nextLie("ciphertext-crc") ? crc32c(plaintext) : crc32c(ciphertext)),
      verifiedPlaintextCrc32c: verifiedPlaintext && !nextLie("unverified-plaintext"),
      verifiedAdditionalAuthenticatedDataCrc32c: verifiedAad && !nextLie("unverified-aad"),
      protectionLevel: 1,
    };
  }

  function decrypt(name: string, body: Record<string, unknown>): Record<string, unknown> {
    const key = findKey(name);
    const ciphertext = bytesField(body, "ciphertext", true);
    const aad = bytesField(body, "additionalAuthenticatedData", false);
    checkCrc(body, "ciphertextCrc32c", ciphertext, "ciphertext");
    checkCrc(body, "additionalAuthenticatedDataCrc32c", aad, "additional_authenticated_data");
    const refused = new ApiError(
      400,
      "INVALID_ARGUMENT",
      "Decryption failed: verify that 'name' refers to the correct CryptoKey.",
    );
    if (ciphertext.length < 4 + 12 + 16) throw refused;
    const version = key.versions[ciphertext.readUInt32BE(0) - 1];
    if (version === undefined) throw refused;
    requireEnabled(key, version);
    let plaintext: Buffer;
    try {
      const decipher = createDecipheriv("aes-256-gcm", version.key, ciphertext.subarray(4, 16));
      decipher.setAAD(gcmAad(key.name, version.number, aad));
      decipher.setAuthTag(ciphertext.subarray(ciphertext.length - 16));
      plaintext = Buffer.concat([decipher.update(ciphertext.subarray(16, ciphertext.length - 16)), decipher.final()]);
    } catch {
      throw refused;
    }
    if (nextLie("short-plaintext")) plaintext = plaintext.subarray(1);
    const crc = nextLie("plaintext-crc") ? crc32c(ciphertext) : crc32c(plaintext);
    return {
      plaintext: plaintext.toString("base64"),
      plaintextCrc32c: String(crc),
      usedPrimary: version.number === key.primary,
      protectionLevel: 1,
    };
  }

  function route(method: string | undefined, path: string, auth: string | undefined, raw: string): unknown {
    if (auth !== `Bearer ${token}`)
      throw new ApiError(401, "UNAUTHENTICATED", "Request had invalid authentication credentials.");
    const match = /^\/v1\/(projects\/[^:?]+):(encrypt|decrypt)$/.exec(path);
    if (method !== "POST" || match === null) throw new ApiError(404, "NOT_FOUND", "No such method.");
    const [, name = "", operation = ""] = match;
    counts[operation] = (counts[operation] ?? 0) + 1;
    const failure = failing.remaining > 0 ? failing.mode : undefined;
    if (failure !== undefined) failing = { mode: failure, remaining: failing.remaining - 1 };
    if (failure === "outage") throw new ApiError(503, "UNAVAILABLE", "The service is currently unavailable.");
    if (failure === "throttle")
      throw new ApiError(429, "RESOURCE_EXHAUSTED", "Quota exceeded for quota metric 'Cryptographic requests'.");
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      throw new ApiError(400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
    }
    if (typeof body !== "object" || body === null || Array.isArray(body))
      throw new ApiError(400, "INVALID_ARGUMENT", "Invalid JSON payload received.");
    last = { path, body: body as Record<string, unknown> };
    const fields = body as Record<string, unknown>;
    return operation === "encrypt" ? encrypt(name, fields) : decrypt(name, fields);
  }

  function answer(res: ServerResponse, status: number, json: unknown): void {
    if (res.destroyed) return;
    res.writeHead(status, { "content-type": "application/json; charset=UTF-8" });
    res.end(JSON.stringify(json));
  }

  function handle(req: IncomingMessage, res: ServerResponse): void {
    const delay = latency;
    const chunks: Buffer[] = [];
    let size = 0;
    req.on("data", (chunk: Buffer) => {
      size += chunk.length;
      if (size <= MAX_BODY) chunks.push(chunk);
    });
    req.on("end", () => {
      const path = new URL(req.url ?? "/", "http://127.0.0.1").pathname;
      let status = 200;
      let json: unknown;
      try {
        if (size > MAX_BODY) throw new ApiError(400, "INVALID_ARGUMENT", "Request payload too large.");
        json = route(req.method, decodeURIComponent(path), req.headers.authorization, Buffer.concat(chunks).toString());
      } catch (error) {
        if (!(error instanceof ApiError)) throw error;
        status = error.http;
        json = { error: { code: error.http, message: error.message, status: error.status } };
      }
      if (delay === 0) {
        answer(res, status, json);
        return;
      }
      const timer = setTimeout(() => {
        held.delete(timer);
        answer(res, status, json);
      }, delay);
      held.add(timer);
      res.on("close", () => {
        clearTimeout(timer);
        held.delete(timer);
      });
    });
  }

  const server = createServer(handle);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  const url = `http://127.0.0.1:${String(port)}`;

  function keyOf(keyId = first?.name.split("/").pop() ?? ""): CryptoKey {
    return findKey(`${LOCATION}/cryptoKeys/${keyId}`);
  }

  return {
    url,
    port,
    token,
    cryptoKeyName: first.name,
    firstVersionName: versionNameOf(first, 1),
    cryptoKey: (keyId) => keyOf(keyId).name,
    setLatency(ms) {
      latency = ms;
    },
    fail(mode, calls) {
      failing = { mode, remaining: calls };
    },
    lie(kind, calls) {
      for (let i = 0; i < calls; i++) pendingLies.push(kind);
    },
    rotate(keyId) {
      const key = keyOf(keyId);
      return versionNameOf(key, addVersion(key).number);
    },
    setVersionState(versionName, state) {
      const match = /^(.*)\/cryptoKeyVersions\/(\d+)$/.exec(versionName);
      const version = findKey(match?.[1] ?? "").versions[Number(match?.[2]) - 1];
      if (version === undefined) throw new Error(`no version ${versionName}`);
      if (version.state === "DESTROYED") throw new Error("a destroyed version stays destroyed");
      version.state = state;
    },
    disable() {
      for (const key of keys.values()) for (const v of key.versions) if (v.state === "ENABLED") v.state = "DISABLED";
    },
    enable() {
      for (const key of keys.values()) for (const v of key.versions) if (v.state === "DISABLED") v.state = "ENABLED";
    },
    calls: () => ({ ...counts }),
    lastVersionUsed: () => lastVersion,
    lastRequest: () => last,
    client(bearer = token) {
      // What google-gax's REST transport asks of an auth client: request headers, and `fetch`.
      const authClient = {
        getRequestHeaders: () => Promise.resolve(new Headers({ authorization: `Bearer ${bearer}` })),
        fetch: (input: string, init: RequestInit): Promise<Response> => {
          const headers = new Headers(init.headers);
          headers.set("authorization", `Bearer ${bearer}`);
          return fetch(input, { ...init, headers });
        },
      };
      return new KeyManagementServiceClient({
        fallback: true,
        apiEndpoint: "127.0.0.1",
        port,
        protocol: "http",
        authClient: authClient as never,
      });
    },
    async close() {
      for (const timer of held) clearTimeout(timer);
      held.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
