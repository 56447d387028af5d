/**
 * The MySQL adapter beyond the conformance suite: exact (binary) matching where MySQL's default
 * collations fold case and pad spaces, ERR_STORE without SQL or values, the fresh nonce of an
 * overlap answered while rotations queue, server sessions moved to a new id while a user's
 * sessions are being deleted, the audit writer's grants, migrations, and the wrong inputs each
 * entry point refuses.
 */
import { randomBytes } from "node:crypto";
import { inspect } from "node:util";
import mysql from "mysql2/promise";
import { describe, expect, it } from "vitest";
import {
  createMysqlApiKeyStore,
  createMysqlAuditStore,
  createMysqlDataKeyStore,
  createMysqlOneTimeTokenStore,
  createMysqlRateLimitStore,
  createMysqlRecoveryCodeStore,
  createMysqlRefreshSessionStore,
  createMysqlServerSessionStore,
  createMysqlTotpStepStore,
  getMysqlMigrationSql,
  inspectMysqlAuditGrants,
  migrateMysql,
  type MysqlPoolLike,
} from "../../../src/adapters/mysql/index.js";
import { createAuditEventBuilder } from "../../../src/audit/builder.js";
import { sealAuditEvent } from "../../../src/audit/event.js";
import { UsageError } from "../../../src/cli/output.js";
import { resolveDatabaseUrl } from "../../../src/cli/database.js";
import { createEnvelope, rewrapColumn } from "../../../src/crypto/index.js";
import { isMoatError } from "../../../src/errors.js";
import { testKeyring } from "../../../src/testing/index.js";
import { expectMoatError, expectMoatErrorAsync, WRONG_TYPES } from "../../helpers/assertions.js";
import { createTestPool, describeMysql } from "../../helpers/mysql.js";

const hex = (n = 32): string => randomBytes(n).toString("hex");
const DAY = 86_400_000;

/** Everything an error would show in a log, its causes included. */
function everything(err: unknown): string {
  return `${inspect(err, { depth: 10, showHidden: true })} ${JSON.stringify(err, Object.getOwnPropertyNames(err))}`;
}

const unusedPool: MysqlPoolLike = {
  query: () => Promise.reject(new Error("not connected")),
  getConnection: () => Promise.reject(new Error("not connected")),
};

describe("mysql adapter: wrong inputs", () => {
  it("refuses a missing, wrong-typed or incomplete pool with ERR_CONFIG when the store is made", () => {
    const factories = [
      createMysqlApiKeyStore,
      createMysqlDataKeyStore,
      createMysqlOneTimeTokenStore,
      createMysqlRateLimitStore,
      createMysqlRecoveryCodeStore,
      createMysqlRefreshSessionStore,
      createMysqlTotpStepStore,
      createMysqlAuditStore,
    ] as const;
    for (const make of factories) {
      for (const pool of [...WRONG_TYPES, { query: () => undefined }]) {
        expectMoatError(() => make({ pool } as never), "ERR_CONFIG");
      }
      expectMoatError(() => make({} as never), "ERR_CONFIG");
      expectMoatError(() => make({ pool: unusedPool, extra: 1 } as never), "ERR_CONFIG");
    }
  });

  it("refuses a wrong pool or dialect in the migration entry points and the grants check", async () => {
    for (const pool of WRONG_TYPES) {
      await expectMoatErrorAsync(() => migrateMysql(pool as never), "ERR_CONFIG");
      await expectMoatErrorAsync(() => inspectMysqlAuditGrants(pool as never), "ERR_CONFIG");
    }
    expectMoatError(() => getMysqlMigrationSql("postgres" as never), "ERR_CONFIG");
  });

  it("writes each server's NO PAD binary collation, and VARBINARY for everything looked up", () => {
    const maria = getMysqlMigrationSql("mariadb");
    const my = getMysqlMigrationSql("mysql");
    expect(maria).toContain("utf8mb4_nopad_bin");
    expect(maria).not.toContain("utf8mb4_0900_bin");
    expect(my).toContain("utf8mb4_0900_bin");
    expect(my).not.toContain("utf8mb4_nopad_bin");
    for (const sql of [maria, my]) {
      expect(sql).not.toMatch(/\bJSON\b|VARCHAR\(\d+\)[^,]*(?:_id|hash|selector)|_ci\b/);
      expect(sql).toMatch(/key_hash VARBINARY\(64\)/);
      expect(sql).toMatch(/moatkit_server_sessions \(\n {2}id_hash VARBINARY\(128\)/);
      expect(sql).toMatch(/user_agent LONGTEXT CHARACTER SET utf8mb4 COLLATE utf8mb4_(0900|nopad)_bin NULL/);
    }
  });

  it("says rewrapColumn is Postgres-only (ERR_UNSUPPORTED) when given a MySQL pool, and so does the CLI", async () => {
    const envelope = createEnvelope({ keyring: testKeyring() });
    const err = await expectMoatErrorAsync(
      () =>
        rewrapColumn(envelope, unusedPool as never, { table: "t", column: "c", idColumn: "id", context: () => ({}) }),
      "ERR_UNSUPPORTED",
    );
    expect(err.message).toContain("Postgres only");
    expect(() => resolveDatabaseUrl("mysql://root@127.0.0.1:3306/app")).toThrow(UsageError);
    expect(() => resolveDatabaseUrl("mysql://root@127.0.0.1:3306/app")).toThrow(/Postgres only/);
  });
});

describeMysql(
  "mysql adapter",
  ({ pool, url, isolation }) => {
    describe("exact matching (no case folding, no trailing-space padding)", () => {
      it("keeps ids apart that a case-insensitive or PAD SPACE collation would merge", async () => {
        const totp = createMysqlTotpStepStore({ pool: pool() });
        const base = `user_${hex(4)}`;
        const ids = [base, `${base} `, base.toUpperCase(), `${base}\u00e9`, `${base}e\u0301`];
        for (const [i, id] of ids.entries()) expect(await totp.advanceTotpStep(id, 10 + i)).toBe(true);
        for (const [i, id] of ids.entries()) expect(await totp.getLastTotpStep(id)).toBe(10 + i);
      });

      it("finds one-time tokens, recovery codes and data keys by their exact bytes only", async () => {
        const now = Date.now();
        const tokens = createMysqlOneTimeTokenStore({ pool: pool() });
        const tokenHash = hex();
        await tokens.createOneTimeToken({
          tokenHash,
          purpose: "reset",
          subject: "u",
          createdAt: now,
          expiresAt: now + DAY,
        });
        for (const near of [`${tokenHash} `, tokenHash.toUpperCase()]) {
          expect(await tokens.consumeOneTimeToken({ tokenHash: near, purpose: "reset", now })).toEqual({
            status: "not_found",
          });
        }
        expect(await tokens.consumeOneTimeToken({ tokenHash, purpose: "reset ", now })).toEqual({
          status: "not_found",
        });
        expect(await tokens.consumeOneTimeToken({ tokenHash, purpose: "RESET", now })).toEqual({ status: "not_found" });
        expect(await tokens.consumeOneTimeToken({ tokenHash, purpose: "reset", now })).toEqual({
          status: "consumed",
          subject: "u",
        });

        const codes = createMysqlRecoveryCodeStore({ pool: pool() });
        const user = `u_${hex(4)}`;
        await codes.replaceRecoveryCodes(user, [{ selector: "abc", hash: "$2b$04$hash" }]);
        expect(await codes.findRecoveryCode(user, "abc ")).toBeNull();
        expect(await codes.findRecoveryCode(user, "ABC")).toBeNull();
        expect(await codes.consumeRecoveryCode(user, "abc", "$2b$04$hash ")).toBeNull();
        expect(await codes.consumeRecoveryCode(`${user} `, "abc", "$2b$04$hash")).toBeNull();
        expect(await codes.consumeRecoveryCode(user, "abc", "$2b$04$hash")).toBe(0);

        const keys = createMysqlDataKeyStore({ pool: pool() });
        const scope = `t_${hex(4)}`;
        const record = { id: `k${hex(4)}`, scope, masterKeyId: "m1", wrappedKey: randomBytes(60), createdAt: now };
        await keys.setCurrentDataKey(record, null);
        expect(await keys.getDataKey(`${record.id} `)).toBeNull();
        expect(await keys.getDataKey(record.id.toUpperCase())).toBeNull();
        expect(await keys.getCurrentDataKey(`${scope} `)).toBeNull();
        expect(await keys.getCurrentDataKey(scope.toUpperCase())).toBeNull();
        expect((await keys.getDataKey(record.id))?.wrappedKey).toEqual(Uint8Array.from(record.wrappedKey));
      });

      it("refuses an API key hash that is not 64 lower-case hex digits (a plaintext key, say) at the table", async () => {
        const store = createMysqlApiKeyStore({ pool: pool() });
        const record = {
          id: `ak_${hex(8)}`,
          hash: hex(),
          preview: "p",
          env: "live" as const,
          ownerId: "o",
          tenantId: null,
          name: null,
          scopes: [],
          metadata: {},
          redaction: "inherit" as const,
          createdAt: Date.now(),
          expiresAt: null,
          revokedAt: null,
          lastUsedAt: null,
          predecessorId: null,
          successorId: null,
        };
        for (const hash of [record.hash.toUpperCase(), `${record.hash.slice(0, 63)}g`, `sk_live_${hex(28)}`]) {
          await expectMoatErrorAsync(() => store.createApiKey({ ...record, hash }), "ERR_STORE");
        }
        await store.createApiKey(record);
        expect((await store.findApiKeyByHash(record.hash))?.id).toBe(record.id);
      });
    });

    describe("store errors", () => {
      it("wrap driver errors as ERR_STORE without the SQL, the values or the driver's quoted message", async () => {
        const store = createMysqlApiKeyStore({ pool: pool() });
        const hash = hex();
        const record = {
          id: `ak_${hex(8)}`,
          hash,
          preview: "secret-preview-text",
          env: "live" as const,
          ownerId: `owner_${hex(6)}`,
          tenantId: null,
          name: null,
          scopes: [],
          metadata: {},
          redaction: "inherit" as const,
          createdAt: Date.now(),
          expiresAt: null,
          revokedAt: null,
          lastUsedAt: null,
          predecessorId: null,
          successorId: null,
        };
        await store.createApiKey(record);
        const err = await store.createApiKey({ ...record, id: `ak_${hex(8)}` }).then(
          () => undefined,
          (e: unknown) => e,
        );
        expect(isMoatError(err, "ERR_STORE")).toBe(true);
        const shown = everything(err);
        expect(shown).toContain("ER_DUP_ENTRY");
        for (const leak of [hash, record.ownerId, "INSERT INTO", "moatkit_api_keys (", "secret-preview-text"]) {
          expect(shown).not.toContain(leak);
        }
      });

      it("wrap a failure on a database without moatkit's tables as ERR_STORE naming the store, not the query", async () => {
        const empty = mysql.createPool({ uri: url().replace(/\/[^/]*$/, "/information_schema"), connectionLimit: 1 });
        try {
          const userId = `user_${hex(6)}`;
          const err = await createMysqlTotpStepStore({ pool: empty })
            .advanceTotpStep(userId, 5)
            .then(
              () => undefined,
              (e: unknown) => e,
            );
          expect(isMoatError(err, "ERR_STORE")).toBe(true);
          const shown = everything(err);
          expect(shown).toContain("mysql totpSteps store failed during advanceTotpStep");
          expect(shown).not.toContain(userId);
          expect(shown).not.toContain("UPDATE moatkit_totp_steps");
        } finally {
          await empty.end();
        }
      });
    });

    describe("server sessions", () => {
      const MIN = 60_000;
      const session = (subject: string, now: number) => ({
        idHash: hex(),
        subject,
        createdAt: now,
        lastSeenAt: now,
        idleExpiresAt: now + 30 * MIN,
        absoluteExpiresAt: now + 600 * MIN,
        ip: "198.51.100.4",
        userAgent: "ua",
        dataJson: "{}",
      });

      it("reports a repeated touch at the same millisecond as a touch on a pool without FOUND_ROWS", async () => {
        // Without FOUND_ROWS, affectedRows counts changed rows: a touch writing the values already
        // there reads 0, and a store trusting it would call a live session dead.
        const raw = mysql.createPool({ uri: url(), connectionLimit: 2, flags: ["-FOUND_ROWS"] });
        try {
          const store = createMysqlServerSessionStore({ pool: raw });
          const now = Date.now();
          const s = session(`user_${hex(6)}`, now);
          await store.createServerSession(s);
          const touch = { idHash: s.idHash, now: now + 1, idleExpiresAt: now + 31 * MIN, ip: null, userAgent: "x" };
          expect(await store.touchServerSession(touch)).toBe(true);
          expect(await store.touchServerSession(touch)).toBe(true);
          const late = now + 31 * MIN;
          expect(await store.touchServerSession({ ...touch, now: late, idleExpiresAt: late })).toBe(false);
          expect(await store.touchServerSession({ ...touch, idHash: hex() })).toBe(false);
        } finally {
          await raw.end();
        }
      });

      it("leaves a user no session when their sessions move to new ids while they are all deleted", async () => {
        const store = createMysqlServerSessionStore({ pool: pool() });
        for (let round = 0; round < 5; round++) {
          const now = Date.now();
          const subject = `user_${hex(6)}`;
          const sessions = Array.from({ length: 12 }, () => session(subject, now));
          for (const s of sessions) await store.createServerSession(s);
          const moves = sessions.map((s) =>
            store.rekeyServerSession({
              idHash: s.idHash,
              newIdHash: hex(),
              now,
              idleExpiresAt: now + MIN,
              dataJson: "{}",
            }),
          );
          await Promise.all([store.deleteSubjectServerSessions(subject), ...moves]);
          expect(await store.listSubjectServerSessions(subject, now)).toEqual([]);
        }
      });

      it("leaves only the kept session when the user's others move to new ids while they are deleted", async () => {
        const store = createMysqlServerSessionStore({ pool: pool() });
        for (let round = 0; round < 5; round++) {
          const now = Date.now();
          const subject = `user_${hex(6)}`;
          const keep = session(subject, now);
          const others = Array.from({ length: 11 }, () => session(subject, now));
          for (const s of [keep, ...others]) await store.createServerSession(s);
          const moves = others.map((s) =>
            store.rekeyServerSession({
              idHash: s.idHash,
              newIdHash: hex(),
              now,
              idleExpiresAt: now + MIN,
              dataJson: "{}",
            }),
          );
          const [deleted] = await Promise.all([
            store.deleteOtherServerSessions({ subject, keepIdHash: keep.idHash, now }),
            ...moves,
          ]);
          // Each other session is deleted once, under its old id or its new one.
          expect(deleted).toBe(others.length);
          expect((await store.listSubjectServerSessions(subject, now)).map((r) => r.idHash)).toEqual([keep.idHash]);
        }
      });
    });

    it(`answers every overlap with the nonce of the successor installed last, round after round (${isolation})`, async () => {
      const store = createMysqlRefreshSessionStore({ pool: pool() });
      const now = Date.now();
      let head = hex();
      const sessionId = hex(16);
      await store.createRefreshSession({
        sessionId,
        subject: "s",
        claimsJson: "{}",
        createdAt: now,
        tokenHash: head,
        expiresAt: now + DAY,
      });
      for (let round = 1; round <= 4; round++) {
        const inputs = Array.from({ length: 30 }, () => ({
          tokenHash: head,
          now: now + round,
          overlapMs: 60_000,
          successor: { tokenHash: hex(), nonce: randomBytes(16).toString("base64url"), expiresAt: now + DAY },
        }));
        const results = await Promise.all(inputs.map((input) => store.rotateRefreshToken(input)));
        const winners = results.flatMap((r, i) => (r.status === "rotated" ? [i] : []));
        expect(winners).toHaveLength(1);
        const installed = inputs[winners[0] ?? -1]?.successor;
        for (const r of results) {
          if (r.status === "rotated") continue;
          expect(r.status).toBe("overlap");
          if (r.status !== "overlap") continue;
          expect([r.successorHash, r.successorNonce]).toEqual([installed?.tokenHash, installed?.nonce]);
          expect(r.session.generation).toBe(round + 1);
        }
        head = installed?.tokenHash ?? "";
      }
    });

    it("reports the audit writer's grants: insert-only for SELECT+INSERT, not for an account that can update", async () => {
      const admin = await mysql.createConnection(url());
      const user = `mk_aw_${hex(4)}`;
      const password = hex(12);
      const database = new URL(url()).pathname.slice(1);
      try {
        await admin.query(`CREATE USER '${user}'@'%' IDENTIFIED BY '${password}'`);
        await admin.query(`CREATE USER '${user}'@'localhost' IDENTIFIED BY '${password}'`);
        for (const host of ["%", "localhost"]) {
          await admin.query(`GRANT SELECT, INSERT ON ${database}.moatkit_audit_events TO '${user}'@'${host}'`);
          await admin.query(`GRANT SELECT ON ${database}.moatkit_audit_anchors TO '${user}'@'${host}'`);
        }
        const writerUrl = new URL(url());
        writerUrl.username = user;
        writerUrl.password = password;
        const writer = createTestPool(writerUrl.toString(), database, isolation, 2);
        try {
          const report = await inspectMysqlAuditGrants(writer);
          expect(report).toMatchObject({
            canSelect: true,
            canInsert: true,
            canUpdate: false,
            canDelete: false,
            canDropOrAlter: false,
            insertOnly: true,
          });
          expect(report.account.startsWith(`${user}@`)).toBe(true);

          const store = createMysqlAuditStore({ pool: writer });
          const orgId = `org_${hex(4)}`;
          const builder = createAuditEventBuilder({ now: () => Date.now() });
          const event = builder.build({
            orgId,
            actor: { userId: "alice" },
            action: "thing.update",
            target: { type: "thing", id: "t1" },
          });
          const [stored] = await store.appendAuditEvents(orgId, (h) => [sealAuditEvent(event, h)]);
          expect(stored?.seq).toBe(1);
          await expect(
            writer.query("UPDATE moatkit_audit_events SET action = 'x' WHERE org_id = ?", [orgId]),
          ).rejects.toMatchObject({
            errno: 1142,
          });
          await expect(
            writer.query("DELETE FROM moatkit_audit_events WHERE org_id = ?", [orgId]),
          ).rejects.toMatchObject({
            errno: 1142,
          });
          await expectMoatErrorAsync(
            () => store.pruneAuditEvents(orgId, { seq: 1, hash: stored?.hash ?? "", jws: "a" }),
            "ERR_STORE",
          );
          expect((await store.getAuditChainHead(orgId)).seq).toBe(1);
        } finally {
          await writer.end();
        }
        expect(await inspectMysqlAuditGrants(pool())).toMatchObject({
          canUpdate: true,
          canDelete: true,
          insertOnly: false,
        });
      } finally {
        await admin.query(`DROP USER IF EXISTS '${user}'@'%'`);
        await admin.query(`DROP USER IF EXISTS '${user}'@'localhost'`);
        await admin.end();
      }
    });

    it("migrates once: a second run applies nothing, and a server without strict mode is refused", async () => {
      const again = await migrateMysql(pool());
      expect(again).toEqual({ dialect: "mariadb", applied: [], alreadyApplied: 8 });
      const database = new URL(url()).pathname.slice(1);
      const lax = mysql.createPool({ uri: url(), connectionLimit: 1 });
      lax.pool.on("connection", (conn) => {
        conn.query("SET SESSION sql_mode = ''");
      });
      try {
        await expectMoatErrorAsync(() => migrateMysql(lax), "ERR_CONFIG");
      } finally {
        await lax.end();
      }
      expect(database.startsWith("moatkit_t_")).toBe(true);
    });
  },
  { levels: ["REPEATABLE READ", "READ COMMITTED"] },
);
