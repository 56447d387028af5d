/**
 * A Vault / OpenBao Transit protocol emulator for tests: node:http on 127.0.0.1 (port chosen by
 * the OS), one `derived` aes256-gcm96 key with versions. It speaks the part of the Transit HTTP
 * API moatkit uses — `encrypt`, `decrypt`, `datakey/plaintext|wrapped` — with Vault's status
 * codes and error phrases, and enforces what Vault enforces: the token, the context (a derived
 * key needs one; another context derives another key), `key_version`, `min_encryption_version`
 * and `min_decryption_version`. Ciphertexts are `vault:v<N>:` ‖ base64(nonce ‖ ciphertext ‖ tag)
 * under HKDF-SHA-256(version key, context), as Vault's own are per-version AES-256-GCM.
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { type IncomingMessage, type ServerResponse, createServer } from "node:http";
import type { AddressInfo } from "node:net";
import type { EmulatorControls } from "../provider-suite.js";

/** The emulator's address and token, and its controls. */
export interface VaultEmulator extends EmulatorControls {
  /** `http://127.0.0.1:<port>` */
  readonly address: string;
  /** The token requests must carry in `X-Vault-Token`. */
  readonly token: string;
  /** The Transit mount and key name served. */
  readonly mount: string;
  readonly keyName: string;
  /** The newest key version. */
  latestVersion(): number;
  /** Vault's `min_decryption_version`: ciphertexts of older versions are refused as too old. */
  setMinDecryptionVersion(version: number): void;
  /** The namespace header of the last request (undefined when absent). */
  lastNamespace(): string | undefined;
}

interface Options {
  readonly mount?: string;
  readonly keyName?: string;
}

type Answer = readonly [status: number, body: unknown];

const CIPHERTEXT = /^vault:v([1-9][0-9]{0,9}):([A-Za-z0-9+/]+={0,2})$/;

function vaultError(status: number, message: string): Answer {
  return [status, { errors: [message] }];
}

function readBody(req: IncomingMessage): Promise<Record<string, unknown>> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    req.on("data", (c: Buffer) => chunks.push(c));
    req.on("end", () => {
      try {
        const parsed: unknown = JSON.parse(Buffer.concat(chunks).toString("utf8"));
        resolve(typeof parsed === "object" && parsed !== null ? (parsed as Record<string, unknown>) : {});
      } catch {
        resolve({});
      }
    });
  });
}

/** Starts an emulator; `close()` it when done. */
export async function startVaultEmulator(options: Options = {}): Promise<VaultEmulator> {
  const mount = options.mount ?? "transit";
  const keyName = options.keyName ?? "moatkit";
  const token = `hvs.${randomBytes(12).toString("base64url")}`;
  const versions: Buffer[] = [randomBytes(32)];
  let minDecryptionVersion = 1;
  let disabled = false;
  let latency = 0;
  let failing: { mode: "outage" | "throttle"; left: number } | undefined;
  let lastVersion: string | undefined;
  let namespace: string | undefined;
  const counts: Record<string, number> = {};

  function derivedKey(version: number, context: Buffer): Buffer {
    const master = versions[version - 1];
    if (master === undefined) throw new Error("no such version");
    return Buffer.from(hkdfSync("sha256", master, Buffer.alloc(0), context, 32));
  }

  function seal(version: number, context: Buffer, plaintext: Buffer): string {
    const nonce = randomBytes(12);
    const cipher = createCipheriv("aes-256-gcm", derivedKey(version, context), nonce);
    const sealed = Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]);
    return `vault:v${String(version)}:${sealed.toString("base64")}`;
  }

  function open(version: number, context: Buffer, sealed: Buffer): Buffer | undefined {
    if (sealed.length < 12 + 16) return undefined;
    const decipher = createDecipheriv("aes-256-gcm", derivedKey(version, context), sealed.subarray(0, 12));
    decipher.setAuthTag(sealed.subarray(sealed.length - 16));
    try {
      return Buffer.concat([decipher.update(sealed.subarray(12, sealed.length - 16)), decipher.final()]);
    } catch {
      return undefined;
    }
  }

  /** The derivation context of a request, or the answer Vault gives a derived key without one. */
  function contextOf(body: Record<string, unknown>): Buffer | Answer {
    const context = body.context;
    if (typeof context !== "string" || context.length === 0)
      return vaultError(400, "missing 'context' for key derivation; the key was created using a derived key");
    return Buffer.from(context, "base64");
  }

  /** The version an encryption uses, or Vault's refusal. */
  function encryptionVersion(body: Record<string, unknown>): number | Answer {
    const requested = body.key_version;
    const version = typeof requested === "number" && requested > 0 ? requested : versions.length;
    if (version > versions.length) return vaultError(400, "invalid key version");
    // `disable()` stands for a key an operator has taken out of use: Vault says so with the minimum versions.
    if (disabled)
      return vaultError(400, "requested version for encryption is less than the minimum encryption key version");
    lastVersion = String(version);
    return version;
  }

  function encrypt(body: Record<string, unknown>): Answer {
    const context = contextOf(body);
    if (!Buffer.isBuffer(context)) return context;
    const version = encryptionVersion(body);
    if (typeof version !== "number") return version;
    if (typeof body.plaintext !== "string") return vaultError(400, "missing plaintext to encrypt");
    const plaintext = Buffer.from(body.plaintext, "base64");
    return [200, { data: { ciphertext: seal(version, context, plaintext), key_version: version } }];
  }

  function decrypt(body: Record<string, unknown>): Answer {
    const context = contextOf(body);
    if (!Buffer.isBuffer(context)) return context;
    const match = typeof body.ciphertext === "string" ? CIPHERTEXT.exec(body.ciphertext) : null;
    if (match === null) return vaultError(400, "invalid ciphertext: no prefix");
    const version = Number(match[1]);
    if (disabled || version < minDecryptionVersion)
      return vaultError(400, "ciphertext or signature version is disallowed by policy (too old)");
    if (version > versions.length) return vaultError(400, "invalid ciphertext: key version not found");
    const plaintext = open(version, context, Buffer.from(match[2] ?? "", "base64"));
    if (plaintext === undefined) return vaultError(400, "cipher: message authentication failed");
    return [200, { data: { plaintext: plaintext.toString("base64") } }];
  }

  function datakey(body: Record<string, unknown>, withPlaintext: boolean): Answer {
    const context = contextOf(body);
    if (!Buffer.isBuffer(context)) return context;
    const version = encryptionVersion(body);
    if (typeof version !== "number") return version;
    const bits = body.bits ?? 256;
    if (bits !== 128 && bits !== 256 && bits !== 512) return vaultError(400, "invalid bit length");
    const key = randomBytes(bits / 8);
    const data: Record<string, unknown> = { ciphertext: seal(version, context, key), key_version: version };
    if (withPlaintext) data.plaintext = key.toString("base64");
    return [200, { data }];
  }

  function route(req: IncomingMessage, body: Record<string, unknown>): Answer {
    const prefix = `/v1/${mount}/`;
    const url = req.url ?? "";
    if (req.method !== "POST" || !url.startsWith(prefix)) return vaultError(404, "unsupported path");
    const rest = url.slice(prefix.length);
    const op = rest.slice(0, rest.lastIndexOf("/"));
    counts[op.startsWith("datakey") ? "datakey" : op] = (counts[op.startsWith("datakey") ? "datakey" : op] ?? 0) + 1;
    if (req.headers["x-vault-token"] !== token) return vaultError(403, "permission denied");
    if (failing !== undefined && failing.left > 0) {
      failing.left--;
      return failing.mode === "outage"
        ? vaultError(503, "Vault is sealed")
        : vaultError(429, "request path: rate limit quota exceeded");
    }
    if (decodeURIComponent(rest.slice(rest.lastIndexOf("/") + 1)) !== keyName)
      return vaultError(400, "encryption key not found");
    if (op === "encrypt") return encrypt(body);
    if (op === "decrypt") return decrypt(body);
    if (op === "datakey/plaintext") return datakey(body, true);
    if (op === "datakey/wrapped") return datakey(body, false);
    return vaultError(404, "unsupported path");
  }

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const delay = latency;
    void readBody(req).then((body) => {
      const ns = req.headers["x-vault-namespace"];
      namespace = typeof ns === "string" ? ns : undefined;
      const [status, answer] = route(req, body);
      const send = (): void => {
        if (res.destroyed) return;
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify(answer));
      };
      if (delay > 0) setTimeout(send, delay).unref();
      else send();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;

  return {
    address: `http://127.0.0.1:${String(port)}`,
    token,
    mount,
    keyName,
    latestVersion: () => versions.length,
    setMinDecryptionVersion(version) {
      minDecryptionVersion = version;
    },
    lastNamespace: () => namespace,
    setLatency(ms) {
      latency = ms;
    },
    fail(mode, calls) {
      failing = { mode, left: calls };
    },
    rotate() {
      versions.push(randomBytes(32));
      return String(versions.length);
    },
    disable() {
      disabled = true;
    },
    enable() {
      disabled = false;
    },
    calls: () => ({ ...counts }),
    lastVersionUsed: () => lastVersion,
    close() {
      server.closeAllConnections();
      return new Promise<void>((resolve) => {
        server.close(() => {
          resolve();
        });
      });
    },
  };
}
