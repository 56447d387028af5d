/**
 * docs/design.md: one subpath per capability, each importing only what it needs — importing
 * `moatkit/redact` must not load bcryptjs, otplib or jose. This walks the runtime import graph
 * of every subpath in package.json `exports` (type-only imports excluded, since they vanish at
 * build time) and checks the packages it reaches against the table below.
 */
import { existsSync, readFileSync } from "node:fs";
import { dirname, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";
import { describe, expect, it } from "vitest";

const root = resolve(dirname(fileURLToPath(import.meta.url)), "..", "..");

/** Packages each subpath may load at runtime (node: builtins are always allowed). */
const ALLOWED: Readonly<Record<string, readonly string[]>> = {
  ".": [],
  "./testing": ["zod", "@noble/hashes", "@noble/ciphers", "otplib", "bcryptjs", "jose"],
  // The store contract: interfaces, method lists and the pure helpers stores share.
  "./stores": ["zod", "@noble/hashes"],
  "./adapters/postgres": ["zod"],
  "./adapters/memory": ["zod"],
  "./adapters/redis": ["zod"],
  // mysql2 is an optional peer the caller passes a pool of; the adapter never imports it.
  "./adapters/mysql": ["zod"],
  "./crypto": ["zod", "@noble/ciphers", "@noble/hashes"],
  // Types only: the interface capabilities depend on and adapters implement.
  "./sql": [],
  "./apikeys": ["zod", "@noble/hashes"],
  "./mfa": ["zod", "otplib", "bcryptjs", "@noble/hashes"],
  "./passwords": ["zod", "bcryptjs", "@noble/hashes"],
  "./sessions": ["zod", "jose", "@noble/hashes"],
  "./ratelimit": ["zod"],
  "./turnstile": ["zod"],
  "./redact": ["zod", "@noble/hashes"],
  // Only the pino helper entry may load pino (an optional peer); moatkit/redact never does.
  "./redact/pino": ["zod", "pino"],
  "./tenant": ["zod"],
  "./tenant/kysely": ["zod", "kysely"],
  "./audit": ["zod", "jose", "@noble/hashes"],
  "./rbac": ["zod"],
  // Middleware that wraps other capabilities takes their instances (built by the app with that
  // capability's factory), so moatkit/express imports them as types only and never loads jose,
  // bcryptjs or otplib. At run time it may load helmet, and the subpaths it
  // wires directly (rbac, tenant, turnstile, redact): zod and @noble/hashes.
  "./express": ["zod", "helmet", "@noble/hashes"],
  // Key providers: each reaches only its own service. Vault Transit is plain fetch.
  "./kms/vault": ["zod"],
  // The AWS KMS key provider builds the SDK's command objects, so it loads @aws-sdk/client-kms
  // (an optional peer); moatkit/crypto never does.
  "./kms/aws": ["zod", "@aws-sdk/client-kms"],
  // The Azure Key Vault provider loads its SDK (an optional peer); moatkit/crypto never does.
  "./kms/azure": ["zod", "@azure/keyvault-keys"],
  // The caller passes a KeyManagementServiceClient: @google-cloud/kms is an optional peer this
  // subpath describes with structural types and never imports.
  "./kms/gcp": ["zod"],
};

const IMPORT_RE =
  /(?:^|[;\n])\s*(import|export)\s+(type\s+)?(?:[^;'"]*?\s+from\s+)?["']([^"']+)["']|import\(\s*["']([^"']+)["']\s*\)/g;

function runtimeSpecifiers(source: string): string[] {
  const out: string[] = [];
  for (const m of source.matchAll(IMPORT_RE)) {
    if (m[2] !== undefined) continue; // `import type … from` / `export type … from`
    const spec = m[3] ?? m[4];
    if (spec !== undefined) out.push(spec);
  }
  return out;
}

function packageName(spec: string): string {
  const parts = spec.split("/");
  return spec.startsWith("@") ? `${parts[0] ?? ""}/${parts[1] ?? ""}` : (parts[0] ?? spec);
}

/** The external packages reachable at runtime from one source file (`seen` collects the files). */
function reachablePackages(entry: string, seen = new Set<string>()): Set<string> {
  const packages = new Set<string>();
  const stack = [entry];
  while (stack.length > 0) {
    const file = stack.pop();
    if (file === undefined || seen.has(file)) continue;
    seen.add(file);
    for (const spec of runtimeSpecifiers(readFileSync(file, "utf8"))) {
      if (spec.startsWith(".")) {
        const target = resolve(dirname(file), spec).replace(/\.js$/, ".ts");
        if (!existsSync(target)) throw new Error(`${file} imports ${spec}, which does not exist`);
        stack.push(target);
      } else if (!spec.startsWith("node:")) {
        packages.add(packageName(spec));
      }
    }
  }
  return packages;
}

const pkg = JSON.parse(readFileSync(join(root, "package.json"), "utf8")) as {
  exports: Record<string, string | { types: string; import: string }>;
  dependencies?: Record<string, string>;
  peerDependencies?: Record<string, string>;
};

const subpaths = Object.entries(pkg.exports).filter(([key]) => key !== "./package.json");

describe("subpath isolation", () => {
  it.each(subpaths)("%s loads only the packages it needs", (subpath, target) => {
    const allowed = ALLOWED[subpath];
    expect(allowed, `add ${subpath} to the ALLOWED table in this test`).toBeDefined();
    const entry = typeof target === "string" ? target : target.import;
    const source = join(root, entry.replace(/^\.\/dist\//, "src/").replace(/\.js$/, ".ts"));
    const reached = [...reachablePackages(source)].sort();
    const unexpected = reached.filter((p) => !(allowed ?? []).includes(p));
    expect(unexpected, `${subpath} reaches ${unexpected.join(", ")}`).toEqual([]);
    for (const p of reached) {
      const declared = pkg.dependencies?.[p] ?? pkg.peerDependencies?.[p];
      expect(declared, `${subpath} imports ${p}, which is not a dependency or peer dependency`).toBeDefined();
    }
  });

  it("moatkit/crypto loads no key provider, and a key provider loads no other", () => {
    const files = new Set<string>();
    reachablePackages(join(root, "src/crypto/index.ts"), files);
    const kms = [...files].filter((f) => f.includes(join(root, "src", "kms")));
    expect(kms, "moatkit/crypto must not load a kms subpath").toEqual([]);
    for (const [subpath] of subpaths.filter(([key]) => key.startsWith("./kms/"))) {
      const own = join(root, "src", subpath.slice(2));
      const reached = new Set<string>();
      reachablePackages(join(own, "index.ts"), reached);
      const others = [...reached].filter((f) => f.startsWith(join(root, "src", "kms")) && !f.startsWith(own));
      expect(others, `${subpath} loads another provider`).toEqual([]);
    }
  });

  it("recognises type-only imports and inline-type runtime imports correctly", () => {
    expect(
      runtimeSpecifiers(
        [
          'import type { A } from "jose";',
          'export type { B } from "otplib";',
          'import { type C } from "bcryptjs";',
          'import x, { y } from "zod";',
          'export * from "./a.js";',
          'import "./side-effect.js";',
          'const m = await import("pino");',
        ].join("\n"),
      ),
    ).toEqual(["bcryptjs", "zod", "./a.js", "./side-effect.js", "pino"]);
  });
});
