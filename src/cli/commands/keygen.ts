/** `moatkit keygen master` and `moatkit keygen signing`. */
import { createPrivateKey } from "node:crypto";
import { KEY_ID_PATTERN, generateMasterKey } from "../../crypto/keyring.js";
import { SIGNING_ALGORITHMS, type SigningAlgorithm } from "../../sessions/key-material.js";
import { generateSigningKey } from "../../sessions/generate-key.js";
import { UsageError, printErr, printOut } from "../output.js";

/** Options of `keygen master`. */
interface KeygenMasterOptions {
  readonly id?: string;
}

/** Prints a new master key entry (`id:base64`) on stdout, and how to use it on stderr. */
export function keygenMaster(options: KeygenMasterOptions): void {
  if (options.id !== undefined && !KEY_ID_PATTERN.test(options.id)) {
    throw new UsageError("--id must be 1-32 characters A-Z a-z 0-9 _ -");
  }
  const key = generateMasterKey(options.id === undefined ? {} : { id: options.id });
  printOut(key.entry.reveal());
  printErr(
    `new master key ${key.id}: add it after the current keys in MOATKIT_MASTER_KEYS on every instance, then move it first to make it primary`,
  );
}

/** Options of `keygen signing`. */
interface KeygenSigningOptions {
  readonly alg: string;
  readonly kid?: string;
  readonly format: string;
}

function isSigningAlgorithm(value: string): value is SigningAlgorithm {
  return (SIGNING_ALGORITHMS as readonly string[]).includes(value);
}

/** Prints a new signing key as JSON (`{ kid, alg, use, key }`), ready for `createKeySet`. */
export async function keygenSigning(options: KeygenSigningOptions): Promise<void> {
  const alg = options.alg;
  if (!isSigningAlgorithm(alg)) throw new UsageError(`--alg must be one of ${SIGNING_ALGORITHMS.join(", ")}`);
  if (options.format !== "jwk" && options.format !== "pem") throw new UsageError("--format must be jwk or pem");
  if (options.format === "pem" && alg === "HS256")
    throw new UsageError("--format pem needs an asymmetric --alg (HS256 keys are secrets, printed as JWK)");
  if (options.kid !== undefined && !/^[\x21-\x7e]{1,128}$/.test(options.kid)) {
    throw new UsageError("--kid must be 1-128 printable ASCII characters");
  }
  const generated = await generateSigningKey(alg, options.kid === undefined ? {} : { kid: options.kid });
  const jwk = generated.key.reveal();
  const key =
    options.format === "pem"
      ? createPrivateKey({ key: { ...jwk }, format: "jwk" })
          .export({ type: "pkcs8", format: "pem" })
          .toString()
      : jwk;
  // JSON.stringify escapes control characters inside strings: its line breaks are its own.
  printOut(...JSON.stringify({ kid: generated.kid, alg: generated.alg, use: generated.use, key }, null, 2).split("\n"));
}
