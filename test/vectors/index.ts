/**
 * Loaders for the standard test vectors (Wycheproof, RFC, NIST, cards, phones, Presidio).
 * The vectors are copied into this repository under `test/vectors/data/` (see its README for
 * sources, versions and licences), so a fresh clone tests itself with nothing beside it.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The folder holding the copied vectors, inside the repository. */
export const VECTORS_DIR: string = join(dirname(fileURLToPath(import.meta.url)), "data");

/** Reads one vector file (path relative to the vectors folder) as JSON. */
export function readVectorJson(relativePath: string): unknown {
  const path = join(VECTORS_DIR, relativePath);
  if (!existsSync(path)) throw new Error(`test vector file not found: ${path}`);
  try {
    return JSON.parse(readFileSync(path, "utf8"));
  } catch (err) {
    throw new Error(`test vector file is not valid JSON: ${path}`, { cause: err });
  }
}

// The caller names the file's type; the check below is a shape sanity check, not a full parse.
// eslint-disable-next-line @typescript-eslint/no-unnecessary-type-parameters
function requireKeys<T>(value: unknown, keys: readonly string[], path: string): T {
  if (typeof value !== "object" || value === null) throw new Error(`unexpected vector file shape: ${path}`);
  for (const key of keys) {
    if (!(key in value)) throw new Error(`vector file ${path} has no "${key}"`);
  }
  return value as T;
}

// ---------------------------------------------------------------------------------------------
// Wycheproof

export type WycheproofResult = "valid" | "invalid" | "acceptable";

export interface WycheproofTest {
  readonly tcId: number;
  readonly comment: string;
  readonly flags: readonly string[];
  readonly result: WycheproofResult;
}

export interface WycheproofFile<G> {
  readonly algorithm?: string;
  readonly numberOfTests: number;
  readonly testGroups: readonly G[];
}

export interface AeadTest extends WycheproofTest {
  readonly key: string;
  readonly iv: string;
  readonly aad: string;
  readonly msg: string;
  readonly ct: string;
  readonly tag: string;
}
export interface AeadGroup {
  readonly keySize: number;
  readonly ivSize: number;
  readonly tagSize: number;
  readonly tests: readonly AeadTest[];
}

export interface MacTest extends WycheproofTest {
  readonly key: string;
  readonly msg: string;
  readonly tag: string;
}
export interface MacGroup {
  readonly keySize: number;
  readonly tagSize: number;
  readonly tests: readonly MacTest[];
}

export interface HkdfTest extends WycheproofTest {
  readonly ikm: string;
  readonly salt: string;
  readonly info: string;
  readonly size: number;
  readonly okm: string;
}
export interface HkdfGroup {
  readonly keySize: number;
  readonly tests: readonly HkdfTest[];
}

export interface JwsTest extends WycheproofTest {
  readonly jws: string;
}
export interface JwsGroup {
  readonly comment: string;
  readonly private?: Record<string, unknown>;
  readonly public?: Record<string, unknown>;
  readonly tests: readonly JwsTest[];
}

export interface RsaSignatureTest extends WycheproofTest {
  readonly msg: string;
  readonly sig: string;
}
export interface RsaSignatureGroup {
  readonly publicKey: Record<string, unknown>;
  readonly publicKeyPem: string;
  readonly publicKeyDer: string;
  readonly publicKeyJwk: Record<string, unknown>;
  readonly sha: string;
  readonly tests: readonly RsaSignatureTest[];
}

interface WycheproofFiles {
  "aes_gcm_test.json": AeadGroup;
  "chacha20_poly1305_test.json": AeadGroup;
  "xchacha20_poly1305_test.json": AeadGroup;
  "hmac_sha256_test.json": MacGroup;
  "hkdf_sha256_test.json": HkdfGroup;
  "json_web_signature_test.json": JwsGroup;
  "rsa_signature_2048_sha256_test.json": RsaSignatureGroup;
}

/** A Wycheproof file by name, typed by its schema. */
export function loadWycheproof<N extends keyof WycheproofFiles>(name: N): WycheproofFile<WycheproofFiles[N]> {
  const path = `wycheproof/${name}`;
  return requireKeys(readVectorJson(path), ["testGroups", "numberOfTests"], path);
}

// ---------------------------------------------------------------------------------------------
// RFC and NIST

export interface HotpVectors {
  readonly secretAscii: string;
  readonly secretHex: string;
  readonly secretBase32: string;
  readonly algorithm: string;
  readonly digits: number;
  readonly vectors: readonly {
    counter: number;
    hmacSha1: string;
    truncatedHex: string;
    truncatedDecimal: number;
    hotp: string;
  }[];
}

export interface TotpVectors {
  readonly stepSeconds: number;
  readonly t0: number;
  readonly digits: number;
  readonly vectors: readonly {
    time: number;
    utc: string;
    T: string;
    mode: "SHA1" | "SHA256" | "SHA512";
    secretAscii: string;
    secretHex: string;
    secretBase32: string;
    totp: string;
  }[];
}

export interface HmacSha256Vectors {
  readonly vectors: readonly {
    testCase: number;
    keyHex: string;
    dataHex: string;
    dataAscii?: string;
    hmacSha256: string;
    truncatedToBits?: number;
  }[];
}

export interface JwsHs256Vectors {
  readonly vectors: readonly {
    alg: string;
    jwk: { kty: string; k: string };
    keyHex: string;
    protectedHeaderUtf8: string;
    payloadUtf8: string;
    protectedHeaderB64u: string;
    payloadB64u: string;
    signingInput: string;
    signatureB64u: string;
    jws: string;
    signatureValid: boolean;
    claims: Record<string, unknown>;
  }[];
}

interface RfcFiles {
  "rfc4226_hotp.json": HotpVectors;
  "rfc6238_totp.json": TotpVectors;
  "rfc4231_hmac_sha256.json": HmacSha256Vectors;
  "rfc7515_jws_hs256.json": JwsHs256Vectors;
}

/** An RFC vector file by name. */
export function loadRfc<N extends keyof RfcFiles>(name: N): RfcFiles[N] {
  const path = `rfc/${name}`;
  return requireKeys(readVectorJson(path), ["vectors"], path);
}

export interface Sha256Vectors {
  readonly vectors: readonly {
    source: string;
    messageAscii: string;
    repeat: number;
    lengthBytes: number;
    sha256: string;
  }[];
}

/** FIPS 180 SHA-256 examples. */
export function loadNistSha256(): Sha256Vectors {
  const path = "nist/fips180_sha256_examples.json";
  return requireKeys(readVectorJson(path), ["vectors"], path);
}

// ---------------------------------------------------------------------------------------------
// Cards

export interface CardRecord {
  readonly number: string;
  readonly brand: string;
  readonly length: number;
  readonly luhnValid: boolean;
}

export interface CardsCombined {
  readonly luhnValid: readonly (CardRecord & { sources: string[] })[];
  readonly invalidFromSources: readonly (CardRecord & { sources: string[] })[];
  readonly derivedInvalid: readonly (CardRecord & { derivedFrom: string })[];
  readonly malformed: readonly {
    input: string;
    why: string;
    source: string;
    expectedValidAfterNormalising?: boolean;
  }[];
}

/** `cards/cards_combined.json`. */
export function loadCards(): CardsCombined {
  const path = "cards/cards_combined.json";
  return requireKeys(readVectorJson(path), ["luhnValid", "invalidFromSources", "derivedInvalid", "malformed"], path);
}

export interface ProviderTestCards {
  readonly cards: readonly (CardRecord & { provider: string; label: string; expectedValid: boolean })[];
}

/** `cards/provider_test_cards.json` (Stripe and Braintree test numbers). */
export function loadProviderCards(): ProviderTestCards {
  const path = "cards/provider_test_cards.json";
  return requireKeys(readVectorJson(path), ["cards"], path);
}

export interface CardBrandCases {
  readonly single: readonly {
    input: string;
    expectedBrand: string;
    isFullNumber: boolean;
    luhnValid: boolean | null;
  }[];
  readonly ambiguous: readonly { input: string; expectedBrands: string[] }[];
  readonly noMatch: readonly string[];
}

/** `cards/credit_card_type_brand_cases.json`. */
export function loadCardBrandCases(): CardBrandCases {
  const path = "cards/credit_card_type_brand_cases.json";
  return requireKeys(readVectorJson(path), ["single", "ambiguous", "noMatch"], path);
}

// ---------------------------------------------------------------------------------------------
// Phones

export interface PhoneExamples {
  readonly regions: Readonly<
    Record<
      string,
      {
        countryCode: number;
        internationalPrefix: string;
        nationalPrefix: string;
        mainCountryForCode: boolean;
        possibleNationalLengths: number[];
      }
    >
  >;
  readonly valid: readonly {
    region: string;
    countryCode: number;
    type: string;
    nationalNumber: string;
    e164: string;
    possibleLengths: { national: number[]; localOnly: number[] };
    nationalNumberPattern: string;
    expectedValid: true;
    note?: string;
  }[];
  readonly invalid: readonly {
    region: string;
    countryCode: number;
    derivedFrom: string;
    reason: string;
    nationalNumber: string;
    e164: string;
    expectedValid: false;
  }[];
}

/** `phones/libphonenumber_examples.json`. */
export function loadPhoneExamples(): PhoneExamples {
  const path = "phones/libphonenumber_examples.json";
  return requireKeys(readVectorJson(path), ["regions", "valid", "invalid"], path);
}

export interface E164Cases {
  readonly cases: readonly {
    input: string;
    strictE164Valid: boolean;
    reason: string;
    libphonenumberJs: { parsed: string; isPossible: boolean; isValid: boolean; country: string };
  }[];
}

/** `phones/e164_format_cases.json`. */
export function loadE164Cases(): E164Cases {
  const path = "phones/e164_format_cases.json";
  return requireKeys(readVectorJson(path), ["cases"], path);
}

// ---------------------------------------------------------------------------------------------
// Presidio

export interface PresidioCases {
  readonly cases: readonly {
    entity: "CREDIT_CARD" | "EMAIL_ADDRESS" | "US_SSN" | "PHONE_NUMBER";
    text: string;
    expected_count: number;
    spans: readonly { start: number; end: number; text: string }[];
    expected_score: string;
    recognizer: string;
    leniency?: number;
    source_file: string;
    test: string;
  }[];
  readonly context_cases: readonly { entity: string; text: string; expectation: string; source_file: string }[];
}

/** `presidio/presidio_recognizer_cases.json`. */
export function loadPresidioCases(): PresidioCases {
  const path = "presidio/presidio_recognizer_cases.json";
  return requireKeys(readVectorJson(path), ["cases", "context_cases"], path);
}
