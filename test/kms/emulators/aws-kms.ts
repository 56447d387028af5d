/**
 * An AWS KMS emulator for tests: node:http on 127.0.0.1 (port 0) speaking the AWS JSON 1.1
 * protocol the real `@aws-sdk/client-kms` uses — POST /, `X-Amz-Target: TrentService.<Op>`,
 * JSON bodies with base64 blobs, errors as `{ "__type": …, "message": … }` — for Encrypt,
 * Decrypt and GenerateDataKey. It enforces the encryption context as AAD, the `KeyId` pin on
 * Decrypt, key states and backing-key rotation, and can add latency, outages, throttling, any
 * AWS error and dropped connections.
 *
 * It checks that a SigV4 `Authorization` header and `X-Amz-Date` are present but does not verify
 * the signature: the credentials are static test values and the signer is the SDK's own.
 */
import { createServer, type IncomingMessage, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { EmulatorControls } from "../provider-suite.js";
import {
  blobHeader,
  currentVersion,
  KeyStore,
  type KeyRecord,
  type KeyState,
  open,
  rotateMaterial,
  seal,
  versionName,
} from "./aws-kms-keys.js";

/** An AWS error answer: HTTP status and `__type`. */
export interface AwsFault {
  readonly status: number;
  readonly type: string;
}

class Fault extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }
}

const THROTTLE: AwsFault = { status: 400, type: "ThrottlingException" };
const OUTAGE: AwsFault = { status: 503, type: "ServiceUnavailableException" };

type Body = Record<string, unknown>;

function blobField(body: Body, name: string, required: boolean): Buffer | undefined {
  const value = body[name];
  if (value === undefined && !required) return undefined;
  if (typeof value !== "string") throw new Fault(400, "ValidationException", `${name} is required`);
  const bytes = Buffer.from(value, "base64");
  if (bytes.length === 0 || bytes.length > 6144)
    throw new Fault(400, "ValidationException", `${name} has a bad length`);
  return bytes;
}

function contextField(body: Body): Record<string, string> {
  const value = body["EncryptionContext"];
  if (value === undefined) return {};
  if (typeof value !== "object" || value === null) throw new Fault(400, "ValidationException", "bad EncryptionContext");
  const out: Record<string, string> = {};
  for (const [key, entry] of Object.entries(value)) {
    // Stricter than needed on purpose: moatkit must never send an empty key or value.
    if (key === "" || typeof entry !== "string" || entry === "")
      throw new Fault(400, "ValidationException", "EncryptionContext keys and values must be non-empty strings");
    out[key] = entry;
  }
  return out;
}

/** A KMS emulator for one Region and account. */
export class AwsKmsEmulator {
  readonly keys: KeyStore;
  private readonly counts: Record<string, number> = {};
  private pendingFault: AwsFault | "reset" | undefined;
  private faultsLeft = 0;
  private readonly timers = new Set<NodeJS.Timeout>();
  private latency = 0;
  private lastVersion: string | undefined;
  /** The encryption context of the last request that carried one. */
  lastContext: Readonly<Record<string, string>> | undefined;
  /** The lower-cased header names of the last request. */
  lastHeaderNames: readonly string[] = [];
  private readonly server = createServer((req, res) => {
    this.receive(req, res);
  });

  private constructor(region: string, account: string) {
    this.keys = new KeyStore(region, account);
  }

  /** Starts an emulator for `region` on 127.0.0.1, on a port the OS picks. */
  static async start(region = "us-east-1", account = "111122223333"): Promise<AwsKmsEmulator> {
    const emulator = new AwsKmsEmulator(region, account);
    await new Promise<void>((resolve) => emulator.server.listen(0, "127.0.0.1", resolve));
    return emulator;
  }

  get region(): string {
    return this.keys.region;
  }

  /** The endpoint to give `KMSClient`. */
  get endpoint(): string {
    const { port } = this.server.address() as AddressInfo;
    return `http://127.0.0.1:${String(port)}`;
  }

  createKey(options: { multiRegion?: boolean } = {}): string {
    return this.keys.create(options.multiRegion ?? false).arn;
  }

  /** Replicates the multi-Region key `arn` of this emulator into `other` (another Region); returns the replica ARN. */
  replicateKey(arn: string, other: AwsKmsEmulator): string {
    return other.keys.replicate(this.record(arn)).arn;
  }

  /** Creates or repoints `alias/<name>` to `arn`. */
  setAlias(name: string, arn: string): void {
    this.keys.setAlias(name, this.record(arn));
  }

  setKeyState(arn: string, state: KeyState): void {
    this.record(arn).state = state;
  }

  /** Rotates a key's backing key (as AWS's automatic rotation does); returns the new version name. */
  rotateKey(arn: string): string {
    const record = this.record(arn);
    return versionName(record.keyId, rotateMaterial(record));
  }

  /** The backing version of `arn` that Encrypt and GenerateDataKey use now. */
  currentVersion(arn: string): string {
    const record = this.record(arn);
    return versionName(record.keyId, currentVersion(record));
  }

  setLatency(ms: number): void {
    this.latency = ms;
  }

  /**
   * The next `calls` requests fail with `fault`, or have their connection dropped (`"reset"`).
   * Replaces what was pending, so `calls = 0` ends an injected outage.
   */
  failWith(fault: AwsFault | "reset", calls: number): void {
    this.pendingFault = fault;
    this.faultsLeft = calls;
  }

  fail(mode: "outage" | "throttle", calls: number): void {
    this.failWith(mode === "outage" ? OUTAGE : THROTTLE, calls);
  }

  calls(): Readonly<Record<string, number>> {
    return { ...this.counts };
  }

  /** The backing key version (`<key id>/<n>`) the last Encrypt or GenerateDataKey used. */
  lastVersionUsed(): string | undefined {
    return this.lastVersion;
  }

  /**
   * The {@link EmulatorControls} of the provider contract for the key `arn`. In AWS a key ARN
   * cannot be pinned to a backing version (rotation is transparent), so the contract's "a newer
   * version becomes primary" is done the AWS way: `rotate()` creates a new key and points the
   * alias `alias/<aliasName>` at it. A provider pinned to the ARN keeps using the old key's
   * backing version, which is what `lastVersionUsed()` reports.
   */
  controlsFor(arn: string, aliasName = "moatkit-latest"): EmulatorControls {
    return {
      setLatency: (ms) => {
        this.setLatency(ms);
      },
      fail: (mode, calls) => {
        this.fail(mode, calls);
      },
      rotate: () => {
        const next = this.createKey();
        this.setAlias(`alias/${aliasName}`, next);
        return this.currentVersion(next);
      },
      disable: () => {
        this.setKeyState(arn, "Disabled");
      },
      enable: () => {
        this.setKeyState(arn, "Enabled");
      },
      calls: () => this.calls(),
      lastVersionUsed: () => this.lastVersionUsed(),
      close: () => this.close(),
    };
  }

  async close(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    this.server.closeAllConnections();
    await new Promise<void>((resolve) => {
      this.server.close(() => {
        resolve();
      });
    });
  }

  private record(arn: string): KeyRecord {
    const record = this.keys.resolve(arn);
    if (record === undefined) throw new Error(`no key ${arn} in this emulator`);
    return record;
  }

  private receive(req: IncomingMessage, res: ServerResponse): void {
    const delay = this.latency;
    const chunks: Buffer[] = [];
    req.on("data", (chunk: Buffer) => chunks.push(chunk));
    req.on("end", () => {
      const answer = (): void => {
        // A client that hung up (its deadline aborted the request after it was sent) was not
        // served: it neither counts nor consumes an injected failure, as it would not have at a
        // real KMS that saw the connection close first.
        if (req.socket.destroyed) return;
        this.answer(req, Buffer.concat(chunks), res);
      };
      if (delay === 0) {
        // One turn later, so a connection closed right behind its request is seen as closed.
        setImmediate(answer);
        return;
      }
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        answer();
      }, delay);
      this.timers.add(timer);
    });
  }

  private answer(req: IncomingMessage, raw: Buffer, res: ServerResponse): void {
    const target = String(req.headers["x-amz-target"] ?? "");
    const operation = target.startsWith("TrentService.") ? target.slice("TrentService.".length) : target;
    this.counts[operation] = (this.counts[operation] ?? 0) + 1;
    this.lastHeaderNames = Object.keys(req.headers);
    const fault = this.faultsLeft > 0 ? this.pendingFault : undefined;
    if (fault !== undefined) this.faultsLeft -= 1;
    if (fault === "reset") {
      req.socket.destroy();
      return;
    }
    try {
      if (fault !== undefined) throw new Fault(fault.status, fault.type, "injected by the test");
      this.checkRequest(req, raw);
      send(res, 200, this.operate(operation, parseBody(raw)));
    } catch (error) {
      if (!(error instanceof Fault)) throw error;
      send(res, error.status, { __type: error.type, message: error.message });
    }
  }

  private checkRequest(req: IncomingMessage, raw: Buffer): void {
    if (req.method !== "POST" || req.url !== "/") throw new Fault(404, "UnknownOperationException", "POST / only");
    const auth = req.headers["authorization"] ?? "";
    if (!auth.startsWith("AWS4-HMAC-SHA256 Credential=") || req.headers["x-amz-date"] === undefined)
      throw new Fault(400, "MissingAuthenticationTokenException", "a SigV4 signature is required");
    if (req.headers["content-type"] !== "application/x-amz-json-1.1")
      throw new Fault(400, "SerializationException", "application/x-amz-json-1.1 expected");
    if (raw.length > 65_536) throw new Fault(413, "ValidationException", "request too large");
  }

  private operate(operation: string, body: Body): Body {
    switch (operation) {
      case "Encrypt":
        return this.encrypt(body, blobField(body, "Plaintext", true) ?? Buffer.alloc(0));
      case "GenerateDataKey": {
        const bytes = body["KeySpec"] === "AES_256" ? 32 : body["KeySpec"] === "AES_128" ? 16 : body["NumberOfBytes"];
        if (typeof bytes !== "number" || bytes < 1 || bytes > 1024)
          throw new Fault(400, "ValidationException", "KeySpec or NumberOfBytes is required");
        const plaintext = Buffer.from(globalThis.crypto.getRandomValues(new Uint8Array(bytes)));
        return { ...this.encrypt(body, plaintext), Plaintext: plaintext.toString("base64") };
      }
      case "Decrypt":
        return this.decrypt(body);
      default:
        throw new Fault(400, "UnknownOperationException", "not emulated");
    }
  }

  /** The key named by `KeyId`, usable for cryptography, or the fault KMS answers. */
  private usableKey(keyId: unknown): KeyRecord {
    if (typeof keyId !== "string" || keyId === "") throw new Fault(400, "ValidationException", "KeyId is required");
    const record = this.keys.resolve(keyId);
    if (record === undefined) throw new Fault(400, "NotFoundException", "key not found");
    if (record.state === "Disabled") throw new Fault(400, "DisabledException", "key is disabled");
    if (record.state === "PendingDeletion") throw new Fault(400, "KMSInvalidStateException", "key is pending deletion");
    return record;
  }

  private encrypt(body: Body, plaintext: Buffer): Body {
    const record = this.usableKey(body["KeyId"]);
    const context = contextField(body);
    this.lastContext = context;
    if (plaintext.length > 4096) throw new Fault(400, "ValidationException", "Plaintext too long");
    this.lastVersion = versionName(record.keyId, currentVersion(record));
    const blob = seal(record, plaintext, context);
    return { CiphertextBlob: blob.toString("base64"), KeyId: record.arn, EncryptionAlgorithm: "SYMMETRIC_DEFAULT" };
  }

  private decrypt(body: Body): Body {
    const blob = blobField(body, "CiphertextBlob", true) ?? Buffer.alloc(0);
    const context = contextField(body);
    this.lastContext = context;
    const header = blobHeader(blob);
    if (header === undefined) throw new Fault(400, "InvalidCiphertextException", "");
    let record: KeyRecord;
    if (body["KeyId"] === undefined) {
      const named = this.keys.byKeyId(header.keyId);
      if (named === undefined) throw new Fault(400, "InvalidCiphertextException", "");
      record = this.usableKey(named.arn);
    } else {
      record = this.usableKey(body["KeyId"]);
      if (record.keyId !== header.keyId)
        throw new Fault(400, "IncorrectKeyException", "the ciphertext was made under another key");
    }
    const plaintext = open(record, blob, context);
    if (plaintext === undefined) throw new Fault(400, "InvalidCiphertextException", "");
    return { Plaintext: plaintext.toString("base64"), KeyId: record.arn, EncryptionAlgorithm: "SYMMETRIC_DEFAULT" };
  }
}

function parseBody(raw: Buffer): Body {
  try {
    const body: unknown = JSON.parse(raw.toString("utf8"));
    if (typeof body === "object" && body !== null && !Array.isArray(body)) return body as Body;
  } catch {
    // answered below
  }
  throw new Fault(400, "SerializationException", "the body is not a JSON object");
}

function send(res: ServerResponse, status: number, body: Body): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    "content-type": "application/x-amz-json-1.1",
    "content-length": Buffer.byteLength(text),
    "x-amzn-requestid": globalThis.crypto.randomUUID(),
  });
  res.end(text);
}
