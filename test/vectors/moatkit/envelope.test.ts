/**
 * Known-answer tests of envelope v1 (its binary form, the string form v2 moatkit writes and the
 * string form v1 it still reads), stored data keys, master key encoding and blind indexes,
 * on both crypto backends and in both directions. The committed JSON is the specification's
 * memory: if one of these fails, a format changed (see README.md before touching anything).
 */
import { describe, expect, it } from "vitest";
import { expectMoatErrorAsync } from "../../helpers/assertions.js";
import { ENVELOPE_CASES, type RecordJson, runBlindIndex, runEnvelopeCase } from "./build.js";
import { buildDocuments } from "./documents.js";
import {
  type AeadAlgorithm,
  BACKENDS,
  BACKEND_NAMES,
  type DataKeyRecord,
  type EncryptionContext,
  base64urlDecode,
  createBlindIndex,
  createEnvelope,
  createKeyring,
  fixedBytes,
  envelopeRun,
  hex,
  parseMasterKeys,
  readVectors,
  unhex,
} from "./fixtures.js";
import { blindIndexKeyRef, blindIndexRef, envelopeRef, stringFormV2Ref, stringLeadRef } from "./reference.js";

interface EnvelopeCaseJson {
  name: string;
  algorithm: AeadAlgorithm;
  mode: "stored" | "embedded";
  masterKeyId: string;
  tenantId: string | null;
  context: EncryptionContext;
  contextJson: string;
  plaintextUtf8: string;
  plaintextHex: string;
  random: { dataKeyId?: string; dataKey: string; wrapNonce: string; salt: string; nonce: string };
  intermediate: Record<string, string>;
  dataKeyId?: string;
  token: string;
  binary: string;
}
interface KeyringJson {
  MOATKIT_MASTER_KEYS: string;
  keys: { id: string; hex: string; base64: string }[];
}
interface EnvelopeFile {
  keyring: KeyringJson;
  cases: EnvelopeCaseJson[];
  notATokenOrCannotDecrypt: { input?: string; inputHex?: string; error: string; why: string }[];
}
interface DataKeysFile {
  records: { case: string; record: RecordJson }[];
  rewrapped: { case: string; record: RecordJson };
}
interface BlindIndexFile {
  cases: {
    name: string;
    bits: number;
    keyId: string;
    valueUtf8?: string;
    valueHex?: string;
    indexKey: string;
    index: string;
  }[];
}

const envelopeFile = readVectors("envelope-v1.json") as EnvelopeFile;
const dataKeysFile = readVectors("data-keys.json") as DataKeysFile;
const blindIndexFile = readVectors("blind-index.json") as BlindIndexFile;

const toRecord = (r: RecordJson): DataKeyRecord => ({
  id: r.id,
  scope: r.scope,
  masterKeyId: r.masterKeyId,
  wrappedKey: unhex(r.wrappedKey),
  createdAt: r.createdAt,
});
interface StringV2File {
  cases: { name: string; masterKeyId: string; binary: string; token: string }[];
  leads: { masterKeyId: string; lead: string; leadBytesHex: string }[];
  notATokenOrCannotDecrypt: { input: string; error: string; why: string }[];
}
const stringV2File = readVectors("envelope-string-v2.json") as StringV2File;
const stringV2Of = (name: string): StringV2File["cases"][number] => {
  const found = stringV2File.cases.find((v) => v.name === name);
  if (found === undefined) throw new Error(`${name} missing from envelope-string-v2.json`);
  return found;
};

const recordOf = (name: string): RecordJson | undefined => dataKeysFile.records.find((r) => r.case === name)?.record;
const masterKeyHex = (id: string): string => envelopeFile.keyring.keys.find((k) => k.id === id)?.hex ?? "";
const tenantOf = (c: EnvelopeCaseJson): string | undefined => c.tenantId ?? undefined;

it("covers both AEADs, both key modes, a context and the empty context", () => {
  const kinds = new Set(
    envelopeFile.cases.map((c) => `${c.algorithm}/${c.mode}/${c.contextJson === "{}" ? "empty" : "context"}`),
  );
  expect(kinds.size).toBe(8);
  expect(envelopeFile.cases.map((c) => c.name)).toEqual(ENVELOPE_CASES.map((c) => c.name));
});

describe.each(BACKEND_NAMES)("%s backend", (backend) => {
  describe.each(envelopeFile.cases.map((c) => [c.name, c] as const))("envelope v1 %s", (_name, c) => {
    const input = ENVELOPE_CASES.find((e) => e.name === c.name);

    it("moatkit encrypts the fixed inputs to the committed string and binary forms (and stores the committed record)", async () => {
      if (input === undefined) throw new Error("case missing from build.ts");
      const out = await runEnvelopeCase(input, backend);
      expect(out.token).toBe(stringV2Of(c.name).token);
      expect(out.binary).toBe(c.binary);
      const record = recordOf(c.name);
      if (c.mode === "stored") {
        expect(out.record && { ...out.record, wrappedKey: hex(out.record.wrappedKey) }).toEqual(record);
      } else {
        expect(out.record).toBeNull();
        expect(record).toBeUndefined();
      }
    });

    it("moatkit decrypts the committed v1 string form (written before v2), the v2 string form and the binary form", async () => {
      const record = recordOf(c.name);
      const run = await envelopeRun({
        backend,
        algorithm: c.algorithm,
        mode: c.mode,
        records: record === undefined ? [] : [toRecord(record)],
      });
      expect(c.token.startsWith("mk1.")).toBe(true);
      expect(hex(await run.decrypt(c.token, c.context, tenantOf(c)))).toBe(c.plaintextHex);
      expect(hex(await run.decrypt(stringV2Of(c.name).token, c.context, tenantOf(c)))).toBe(c.plaintextHex);
      expect(hex(await run.decrypt(unhex(c.binary), c.context, tenantOf(c)))).toBe(c.plaintextHex);
      // The context and the tenant are bound: another of either does not decrypt.
      await expectMoatErrorAsync(run.decrypt(c.token, { ...c.context, extra: 1 }, tenantOf(c)), "ERR_DECRYPT");
      if (c.mode === "embedded")
        await expectMoatErrorAsync(run.decrypt(c.token, c.context, `${c.tenantId ?? "t"}x`), "ERR_DECRYPT");
    });

    it("the reference implementation (docs/format.md) gives the committed bytes and intermediate values", () => {
      const ref = envelopeRef(BACKENDS[backend], {
        algorithm: c.algorithm,
        mode: c.mode,
        masterKeyId: c.masterKeyId,
        masterKey: unhex(masterKeyHex(c.masterKeyId)),
        tenantId: tenantOf(c),
        contextJson: c.contextJson,
        plaintext: unhex(c.plaintextHex),
        dataKey: unhex(c.random.dataKey),
        dataKeyId: c.random.dataKeyId === undefined ? undefined : unhex(c.random.dataKeyId),
        wrapNonce: unhex(c.random.wrapNonce),
        salt: unhex(c.random.salt),
        nonce: unhex(c.random.nonce),
      });
      expect({
        suite: `0x${ref.suite.toString(16)}`,
        wrapKey: hex(ref.wrapKey),
        wrapAad: hex(ref.wrapAad),
        wrappedKey: hex(ref.wrappedKey),
        hkdfInfo: hex(ref.hkdfInfo),
        subkey: hex(ref.okm.subarray(0, 32)),
        commitment: hex(ref.okm.subarray(32)),
        header: hex(ref.header),
        aad: hex(ref.aad),
      }).toEqual(c.intermediate);
      expect(hex(ref.binary)).toBe(c.binary);
      expect(ref.token).toBe(c.token);
      expect(ref.tokenV2).toBe(stringV2Of(c.name).token);
    });

    it("the string form is the binary form with its version and key id moved into the prefix", () => {
      const binary = unhex(c.binary);
      const idLength = binary[1] ?? 0;
      expect(binary[0]).toBe(1);
      expect(Buffer.from(binary.subarray(2, 2 + idLength)).toString("latin1")).toBe(c.masterKeyId);
      expect(c.token.startsWith(`mk1.${c.masterKeyId}.`)).toBe(true);
      expect(hex(base64urlDecode(c.token.slice(`mk1.${c.masterKeyId}.`.length)))).toBe(
        hex(binary.subarray(2 + idLength)),
      );
      if (c.dataKeyId !== undefined)
        expect(c.dataKeyId).toBe(Buffer.from(unhex(c.random.dataKeyId ?? "")).toString("base64url"));
    });

    it("the string form v2 is the lead and base64url(payload), and as a whole one base64url string", () => {
      const v2 = stringV2Of(c.name);
      const binary = unhex(c.binary);
      expect(v2.binary).toBe(c.binary);
      const lead = stringLeadRef(c.masterKeyId);
      expect(v2.token.startsWith(lead)).toBe(true);
      expect(hex(base64urlDecode(v2.token.slice(lead.length)))).toBe(hex(binary.subarray(2 + c.masterKeyId.length)));
      expect(stringFormV2Ref(binary)).toBe(v2.token);
      // The v1 and v2 strings carry the same payload text after their leads.
      expect(v2.token.slice(lead.length)).toBe(c.token.slice(`mk1.${c.masterKeyId}.`.length));
      expect(hex(base64urlDecode(v2.token))).toBe(
        hex(base64urlDecode(lead)) + hex(binary.subarray(2 + c.masterKeyId.length)),
      );
    });
  });

  it("a stored data key re-wrapped under another master key still opens the committed token (the record names the master key)", async () => {
    const c = envelopeFile.cases.find((e) => e.name === dataKeysFile.rewrapped.case);
    if (c === undefined) throw new Error("rewrapped case missing");
    const run = await envelopeRun({
      backend,
      algorithm: c.algorithm,
      mode: "stored",
      records: [toRecord(dataKeysFile.rewrapped.record)],
    });
    expect(hex(await run.decrypt(c.token, c.context, tenantOf(c)))).toBe(c.plaintextHex);
  });

  it.each(envelopeFile.notATokenOrCannotDecrypt.map((v) => [v.why, v] as const))("%s", async (_why, v) => {
    const run = await envelopeRun({ backend, algorithm: "aes-256-gcm", mode: "stored" });
    const token = v.input ?? unhex(v.inputHex ?? "");
    await expectMoatErrorAsync(
      run.decrypt(token, {}, undefined),
      v.error === "ERR_DECRYPT" ? "ERR_DECRYPT" : "ERR_INVALID_INPUT",
    );
  });

  it.each(stringV2File.notATokenOrCannotDecrypt.map((v) => [v.why, v] as const))(
    "string form v2: %s",
    async (_why, v) => {
      const run = await envelopeRun({ backend, algorithm: "aes-256-gcm", mode: "stored" });
      await expectMoatErrorAsync(
        run.decrypt(v.input, {}, undefined),
        v.error === "ERR_DECRYPT" ? "ERR_DECRYPT" : "ERR_INVALID_INPUT",
      );
    },
  );

  it.each(stringV2File.leads.map((l) => [l.lead, l] as const))(
    "the reference and moatkit write the committed lead %s",
    async (_lead, l) => {
      expect(stringLeadRef(l.masterKeyId)).toBe(l.lead);
      expect(l.lead.length % 4).toBe(0);
      expect(hex(base64urlDecode(l.lead))).toBe(l.leadBytesHex);
      const keyring = createKeyring([{ id: l.masterKeyId, key: fixedBytes(`lead ${l.masterKeyId}`, 32) }]);
      const envelope = createEnvelope({ keyring, backend });
      const token = await envelope.encrypt("x", { context: {} });
      expect(token.startsWith(l.lead)).toBe(true);
      expect(envelope.keyIdOf(token)).toBe(l.masterKeyId);
      expect(await envelope.decryptString(token, { context: {} })).toBe("x");
    },
  );

  describe.each(
    blindIndexFile.cases.map(
      (c) => [`${c.name} ${String(c.bits)} bits under ${c.keyId}: ${c.valueUtf8 ?? c.valueHex ?? ""}`, c] as const,
    ),
  )("blind index %s", (_name, c) => {
    it("moatkit and the reference give the committed index", () => {
      expect(runBlindIndex(c, backend)).toBe(c.index);
      const master = unhex(masterKeyHex(c.keyId));
      expect(hex(blindIndexKeyRef(BACKENDS[backend], master, c.name))).toBe(c.indexKey);
      const value = c.valueHex === undefined ? new TextEncoder().encode(c.valueUtf8 ?? "") : unhex(c.valueHex);
      expect(blindIndexRef(BACKENDS[backend], master, c.name, c.bits, value)).toBe(c.index);
      expect(c.index).toHaveLength(Math.ceil(c.bits / 8) * 2);
    });
  });

  it("the master keys parse from their MOATKIT_MASTER_KEYS form to the committed bytes", () => {
    const keyring = parseMasterKeys(envelopeFile.keyring.MOATKIT_MASTER_KEYS);
    expect(keyring.keyIds).toEqual(envelopeFile.keyring.keys.map((k) => k.id));
    // The parsed bytes are the committed ones: an index derived from them matches the vector.
    const c = blindIndexFile.cases[0];
    if (c === undefined) throw new Error("no blind index case");
    expect(
      createBlindIndex({ keyring, name: c.name, bits: c.bits, keyId: c.keyId, backend }).index(c.valueUtf8 ?? ""),
    ).toBe(c.index);
    for (const k of envelopeFile.keyring.keys) expect(Buffer.from(k.base64, "base64").toString("hex")).toBe(k.hex);
  });

  it("regenerating on this backend gives the committed files exactly", async () => {
    const documents = await buildDocuments(backend);
    for (const file of ["envelope-v1.json", "envelope-string-v2.json", "data-keys.json", "blind-index.json"]) {
      expect(documents[file], file).toEqual(readVectors(file));
    }
  });
});
