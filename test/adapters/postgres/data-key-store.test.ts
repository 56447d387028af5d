import { afterAll, beforeAll, expect, it } from "vitest";
import { createPostgresDataKeyStore } from "../../../src/adapters/postgres/index.js";
import { createEnvelope } from "../../../src/crypto/index.js";
import { testKeyring } from "../../../src/testing/index.js";
import { expectMoatErrorAsync } from "../../helpers/assertions.js";
import { type PostgresHandle, describePostgres } from "../../helpers/postgres.js";

describePostgres("createPostgresDataKeyStore", (target) => {
  let handle: PostgresHandle;
  beforeAll(async () => {
    handle = await target.connect();
  });
  afterAll(async () => {
    await handle.close();
  });

  it("fails with ERR_STORE naming the store (not the driver's text) when its tables are missing", async () => {
    const store = createPostgresDataKeyStore({ client: handle.client });
    const err = await expectMoatErrorAsync(store.getDataKey("AAAAAAAAAAA"), "ERR_STORE");
    expect(err.message).toBe("postgres dataKeys store failed during getDataKey");
    const envelope = createEnvelope({ keyring: testKeyring(["k1"]), dataKeys: store });
    await expectMoatErrorAsync(envelope.encrypt("x", { context: {} }), "ERR_STORE");
  }, 30_000);
});
