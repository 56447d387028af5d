/**
 * What the browser tests share: where Chromium is (MOATKIT_CHROMIUM or Debian's /usr/bin/chromium,
 * which .ci/run installs), where screenshots go, the flags that keep a headless run quiet and
 * offline, and the visible skip — or, under MOATKIT_REQUIRE_SERVICES=1, the failure — when there
 * is no Chromium.
 */
import { existsSync } from "node:fs";
import { join } from "node:path";
import { describeWithoutService } from "../helpers/services.js";

export const CHROMIUM = process.env["MOATKIT_CHROMIUM"] ?? "/usr/bin/chromium";

/** Screenshots, kept as CI artefacts. */
export const ARTIFACTS = join(process.cwd(), "test-artifacts", "browser");

/** No sandbox (CI runs as root), no GPU, and nothing that reaches the network on its own. */
export const CHROMIUM_ARGS: readonly string[] = [
  "--no-sandbox",
  "--disable-gpu",
  "--disable-quic",
  "--no-first-run",
  "--disable-background-networking",
  "--disable-component-update",
  "--disable-sync",
];

/** Runs `register` (which declares the suite) when Chromium is installed; otherwise says why not. */
export function withChromium(name: string, register: () => void): void {
  if (existsSync(CHROMIUM)) {
    register();
    return;
  }
  describeWithoutService(
    name,
    "Chromium",
    "MOATKIT_CHROMIUM",
    `no Chromium at ${CHROMIUM}: install Debian's chromium or set MOATKIT_CHROMIUM`,
  );
}
