/**
 * An Azure Key Vault protocol emulator on 127.0.0.1 (port chosen by the OS), for the real
 * `@azure/keyvault-keys` client. It implements what moatkit's provider reaches:
 *
 * - the bearer challenge: a request without `Authorization` gets 401 with a `WWW-Authenticate`
 *   challenge (the SDK's keyVaultAuthenticationPolicy sends the first request bodiless to get it);
 *   a request with the wrong token gets 401 too;
 * - `GET /keys/{name}/{version}` (the SDK fetches the key once, to decide what it may do locally);
 * - `POST /keys/{name}/{version}/wrapkey|unwrapkey?api-version=…` with `{ alg, value }` (base64url),
 *   RSA-OAEP-256 over a generated RSA key, or A256KW over an AES key (a Managed HSM `oct-HSM` key);
 * - key versions with enabled attributes, rotation (a new version becomes the newest), and the
 *   service's errors: 400 BadParameter (a ciphertext that does not decrypt, a wrong algorithm),
 *   403 Forbidden/KeyDisabled, 404 KeyNotFound, 429 Throttled, 503 ServiceUnavailable.
 *
 * It also injects latency, outages and throttling, and counts calls (EmulatorControls).
 */
import {
  createCipheriv,
  createDecipheriv,
  generateKeyPairSync,
  privateDecrypt,
  publicEncrypt,
  randomBytes,
} from "node:crypto";
import { constants, type KeyObject } from "node:crypto";
import { type IncomingMessage, type Server, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { EmulatorControls } from "../provider-suite.js";

/** The kind of key the emulated vault holds. */
export type EmulatedKeyType = "RSA" | "oct-HSM";

interface KeyVersion {
  readonly version: string;
  readonly privateKey?: KeyObject;
  readonly publicKey?: KeyObject;
  readonly secret?: Buffer;
  enabled: boolean;
  /** Seconds since the epoch, like the service's `nbf` / `exp` attributes. */
  notBefore?: number;
  expires?: number;
}

/** What a test gets back from {@link startAzureKeyVaultEmulator}. */
export interface AzureKeyVaultEmulator extends EmulatorControls {
  /** `http://127.0.0.1:{port}`. */
  readonly vaultUrl: string;
  /** The key's name. */
  readonly keyName: string;
  /** The bearer token the emulator accepts. */
  readonly token: string;
  /** The version created at start. */
  readonly firstVersion: string;
  /** `{vaultUrl}/keys/{name}/{version}`. */
  keyId(version: string): string;
  /** Disables or enables one version (the key-level switch is `disable()` / `enable()`). */
  setVersionEnabled(version: string, enabled: boolean): void;
  /** Sets a version's validity period (`nbf` / `exp`, in seconds since the epoch). */
  setVersionValidity(version: string, validity: { notBefore?: number; expires?: number }): void;
  /** Deletes a version outright (it answers 404 from then on). */
  deleteVersion(version: string): void;
  /** Every request's `alg`, in order (to check what the client sent). */
  algorithmsSeen(): readonly string[];
}

const AES_WRAP_IV = Buffer.from("a6a6a6a6a6a6a6a6", "hex");
const CHALLENGE =
  'Bearer authorization="https://login.microsoftonline.com/00000000-0000-0000-0000-000000000000", resource="https://vault.azure.net"';

function newVersion(type: EmulatedKeyType): KeyVersion {
  const version = randomBytes(16).toString("hex");
  if (type === "oct-HSM") return { version, secret: randomBytes(32), enabled: true };
  const { privateKey, publicKey } = generateKeyPairSync("rsa", { modulusLength: 2048 });
  return { version, privateKey, publicKey, enabled: true };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  res.writeHead(status, { "content-type": "application/json; charset=utf-8", ...headers });
  res.end(JSON.stringify(body));
}

function serviceError(res: ServerResponse, status: number, code: string, message: string, inner?: string): void {
  const error = inner === undefined ? { code, message } : { code, message, innererror: { code: inner } };
  send(res, status, { error });
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const chunk of req) chunks.push(Buffer.from(chunk as Uint8Array));
  return Buffer.concat(chunks).toString("utf8");
}

function wrapWith(key: KeyVersion, alg: string, value: Buffer): Buffer | undefined {
  if (alg === "RSA-OAEP-256" && key.publicKey)
    return publicEncrypt({ key: key.publicKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" }, value);
  if (alg === "A256KW" && key.secret && value.length % 8 === 0 && value.length >= 16) {
    const cipher = createCipheriv("id-aes256-wrap", key.secret, AES_WRAP_IV);
    return Buffer.concat([cipher.update(value), cipher.final()]);
  }
  return undefined;
}

function unwrapWith(key: KeyVersion, alg: string, value: Buffer): Buffer | undefined {
  try {
    if (alg === "RSA-OAEP-256" && key.privateKey)
      return privateDecrypt(
        { key: key.privateKey, padding: constants.RSA_PKCS1_OAEP_PADDING, oaepHash: "sha256" },
        value,
      );
    if (alg === "A256KW" && key.secret) {
      const decipher = createDecipheriv("id-aes256-wrap", key.secret, AES_WRAP_IV);
      return Buffer.concat([decipher.update(value), decipher.final()]);
    }
  } catch {
    return undefined;
  }
  return undefined;
}

function keyBundle(vaultUrl: string, name: string, key: KeyVersion): unknown {
  const kid = `${vaultUrl}/keys/${name}/${key.version}`;
  const attributes = {
    enabled: key.enabled,
    created: 1_700_000_000,
    updated: 1_700_000_000,
    recoveryLevel: "Recoverable",
  };
  if (key.publicKey) {
    const jwk = key.publicKey.export({ format: "jwk" });
    const keyOps = ["encrypt", "decrypt", "wrapKey", "unwrapKey"];
    return { key: { kid, kty: "RSA", key_ops: keyOps, n: jwk.n, e: jwk.e }, attributes };
  }
  return { key: { kid, kty: "oct-HSM", key_ops: ["wrapKey", "unwrapKey"] }, attributes };
}

/** Starts an emulated vault holding one key (one version to begin with). */
export async function startAzureKeyVaultEmulator(
  options: { keyName?: string; keyType?: EmulatedKeyType } = {},
): Promise<AzureKeyVaultEmulator> {
  const keyName = options.keyName ?? "moatkit-kek";
  const keyType = options.keyType ?? "RSA";
  const token = randomBytes(16).toString("hex");
  const versions = new Map<string, KeyVersion>();
  const first = newVersion(keyType);
  versions.set(first.version, first);
  let newest = first.version;
  let keyEnabled = true;
  let latencyMs = 0;
  let failing: { mode: "outage" | "throttle"; calls: number } | undefined;
  let lastVersion: string | undefined;
  const counts: Record<string, number> = {};
  const algorithms: string[] = [];
  const held = new Set<NodeJS.Timeout>();
  let vaultUrl = "";

  function later(ms: number, fn: () => void): void {
    if (ms <= 0) {
      fn();
      return;
    }
    const timer = setTimeout(() => {
      held.delete(timer);
      fn();
    }, ms);
    held.add(timer);
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? "/", vaultUrl);
    const match = /^\/keys\/([^/]+)\/([^/]*)(?:\/(wrapkey|unwrapkey))?\/?$/.exec(url.pathname);
    const body = await readBody(req);
    if (req.headers.authorization === undefined) {
      counts.challenge = (counts.challenge ?? 0) + 1;
      send(
        res,
        401,
        { error: { code: "Unauthorized", message: "AKV10000: Request is missing a Bearer or PoP token." } },
        { "www-authenticate": CHALLENGE },
      );
      return;
    }
    if (req.headers.authorization !== `Bearer ${token}`) {
      counts.unauthorized = (counts.unauthorized ?? 0) + 1;
      send(
        res,
        401,
        { error: { code: "Unauthorized", message: "AKV10032: Invalid issuer." } },
        { "www-authenticate": CHALLENGE },
      );
      return;
    }
    if (!url.searchParams.get("api-version")) {
      serviceError(res, 400, "BadParameter", "api-version is required");
      return;
    }
    if (!match) {
      serviceError(res, 404, "NotFound", "no such route");
      return;
    }
    const [, name, versionInPath = "", op] = match;
    const operation =
      op === "wrapkey" ? "wrapKey" : op === "unwrapkey" ? "unwrapKey" : req.method === "GET" ? "get" : "other";
    counts[operation] = (counts[operation] ?? 0) + 1;
    if (failing && failing.calls > 0) {
      failing.calls -= 1;
      if (failing.mode === "throttle") {
        send(
          res,
          429,
          {
            error: { code: "Throttled", message: "Request was not processed because too many requests were received." },
          },
          { "retry-after": "1" },
        );
        return;
      }
      serviceError(res, 503, "ServiceUnavailable", "The service is temporarily unavailable.");
      return;
    }
    const version = versionInPath === "" ? newest : versionInPath;
    const key = name === keyName ? versions.get(version) : undefined;
    if (!key) {
      serviceError(res, 404, "KeyNotFound", `A key with (name/id) ${name}/${version} was not found in this key vault.`);
      return;
    }
    if (operation === "get") {
      send(res, 200, keyBundle(vaultUrl, keyName, key));
      return;
    }
    if (operation === "other" || req.method !== "POST") {
      serviceError(res, 405, "MethodNotAllowed", "not supported");
      return;
    }
    if (!keyEnabled || !key.enabled) {
      serviceError(res, 403, "Forbidden", `Operation ${operation} is not allowed on a disabled key.`, "KeyDisabled");
      return;
    }
    const now = Date.now() / 1000;
    if (key.expires !== undefined && now > key.expires) {
      serviceError(res, 403, "Forbidden", `Operation ${operation} is not allowed on an expired key.`, "KeyExpired");
      return;
    }
    if (key.notBefore !== undefined && now < key.notBefore) {
      serviceError(res, 403, "Forbidden", `Operation ${operation} is not allowed on a not-yet-valid key.`);
      return;
    }
    operate(res, operation, key, body);
  }

  function operate(res: ServerResponse, operation: "wrapKey" | "unwrapKey", key: KeyVersion, body: string): void {
    let alg: unknown;
    let value: unknown;
    try {
      ({ alg, value } = JSON.parse(body) as { alg?: unknown; value?: unknown });
    } catch {
      serviceError(res, 400, "BadParameter", "The request body is not valid JSON.");
      return;
    }
    if (typeof alg !== "string" || typeof value !== "string") {
      serviceError(res, 400, "BadParameter", "alg and value are required.");
      return;
    }
    algorithms.push(alg);
    const input = Buffer.from(value, "base64url");
    const output = operation === "wrapKey" ? wrapWith(key, alg, input) : unwrapWith(key, alg, input);
    if (!output) {
      serviceError(res, 400, "BadParameter", "Bad Request. The parameter is incorrect.");
      return;
    }
    if (operation === "wrapKey") lastVersion = key.version;
    send(res, 200, { kid: `${vaultUrl}/keys/${keyName}/${key.version}`, value: output.toString("base64url") });
  }

  const server: Server = createServer((req, res) => {
    const delay = latencyMs;
    later(delay, () => {
      handle(req, res).catch(() => {
        if (!res.headersSent) serviceError(res, 500, "InternalServerError", "emulator failure");
      });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  vaultUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  return {
    vaultUrl,
    keyName,
    token,
    firstVersion: first.version,
    keyId: (version) => `${vaultUrl}/keys/${keyName}/${version}`,
    setLatency: (ms) => {
      latencyMs = ms;
    },
    fail: (mode, calls) => {
      failing = { mode, calls };
    },
    rotate: () => {
      const next = newVersion(keyType);
      versions.set(next.version, next);
      newest = next.version;
      return next.version;
    },
    disable: () => {
      keyEnabled = false;
    },
    enable: () => {
      keyEnabled = true;
    },
    setVersionEnabled: (version, enabled) => {
      const key = versions.get(version);
      if (key) key.enabled = enabled;
    },
    setVersionValidity: (version, validity) => {
      const key = versions.get(version);
      if (key) Object.assign(key, validity);
    },
    deleteVersion: (version) => {
      versions.delete(version);
    },
    calls: () => ({ ...counts }),
    lastVersionUsed: () => lastVersion,
    algorithmsSeen: () => [...algorithms],
    close: async () => {
      for (const timer of held) clearTimeout(timer);
      held.clear();
      server.closeAllConnections();
      await new Promise<void>((resolve) =>
        server.close(() => {
          resolve();
        }),
      );
    },
  };
}
