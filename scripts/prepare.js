// npm runs `prepare` after `npm install` in a checkout, and when it installs moatkit from a git
// URL (`npm install github:<owner>/moatkit`): it clones the repository, installs its dev
// dependencies and runs `prepare` before packing it. `prepack` is not run on that path, so this
// is what puts dist/ into a git install. It builds only when dist/ is missing, so a checkout that
// has been built is not rebuilt on every install; `npm pack` and `npm publish` always rebuild
// through `prepack`.
import { execSync } from "node:child_process";
import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
if (!existsSync(join(root, "dist", "index.js"))) {
  execSync("npm run build", { cwd: root, stdio: "inherit" });
}
