/** Runs moatkit's conformance suite for one store outside vitest's own registry and reports each case. */
import { type StoreFactories, type TestApi, describeStoreConformance } from "../../../src/testing/index.js";

export interface CaseResult {
  readonly name: string;
  readonly error: Error | undefined;
}

/** Registers the suite with a recording test API, then runs every case of `store` in order. */
export async function runConformance(
  store: string,
  factory: StoreFactories[string],
  options: { concurrency?: number } = {},
): Promise<CaseResult[]> {
  const registered: { name: string; fn: () => Promise<void> }[] = [];
  const path: string[] = [];
  const it = Object.assign(
    (name: string, fn: () => Promise<void>) => {
      registered.push({ name: [...path, name].join(" > "), fn });
    },
    { skip: () => undefined },
  );
  const api: TestApi = {
    describe(name, fn) {
      path.push(name);
      fn();
      path.pop();
    },
    it,
  };
  describeStoreConformance("wrong", { [store]: factory }, { testApi: api, ...options });
  const results: CaseResult[] = [];
  for (const { name, fn } of registered) {
    try {
      await fn();
      results.push({ name: name.split(" > ").pop() ?? name, error: undefined });
    } catch (err) {
      results.push({
        name: name.split(" > ").pop() ?? name,
        error: err instanceof Error ? err : new Error(String(err)),
      });
    }
  }
  return results;
}
