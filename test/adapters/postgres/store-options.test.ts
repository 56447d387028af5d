import { PGlite } from "@electric-sql/pglite";
import { afterAll, describe, expect, it } from "vitest";
import {
  createPostgresApiKeyStore,
  createPostgresDataKeyStore,
  createPostgresOneTimeTokenStore,
  createPostgresRecoveryCodeStore,
  createPostgresRefreshSessionStore,
  createPostgresTotpStepStore,
  fromPglite,
} from "../../../src/adapters/postgres/index.js";
import { expectMoatError } from "../../helpers/assertions.js";

const db = new PGlite();
const client = fromPglite(db);
afterAll(async () => {
  await db.close();
});

const FACTORIES = {
  createPostgresApiKeyStore,
  createPostgresDataKeyStore,
  createPostgresOneTimeTokenStore,
  createPostgresRecoveryCodeStore,
  createPostgresRefreshSessionStore,
  createPostgresTotpStepStore,
} as const;

const configMessage = (fn: () => unknown): string => expectMoatError(fn, "ERR_CONFIG").message;

describe("Postgres store options", () => {
  for (const [name, create] of Object.entries(FACTORIES)) {
    it(`${name} checks its client when it is created, not at its first query`, () => {
      expect(() => create({ client })).not.toThrow();
      const expected = `${name} options: client must be a SqlClient (fromPgPool, fromPglite or your own)`;
      expect(configMessage(() => create({} as never))).toBe(expected);
      expect(configMessage(() => create({ client: { query: () => Promise.resolve({ rows: [] }) } } as never))).toBe(
        expected,
      );
      expect(configMessage(() => create(undefined as never))).toBe(expected);
      expect(configMessage(() => create({ client, clinet: client } as never))).toBe(
        `${name} options: unknown option "clinet"; did you mean "client"?`,
      );
    });
  }
});
