/**
 * Writes the known-answer vectors: `npm run vectors:moatkit`. Read README.md first: the files
 * pin moatkit's formats, and regenerating them to make a failing test pass would hide exactly
 * the incompatible change the tests exist to catch.
 *
 * Each file is computed on both crypto backends; the generator refuses to write anything unless
 * the two agree byte for byte.
 */
import { writeFileSync } from "node:fs";
import { isDeepStrictEqual } from "node:util";
import { buildDocuments } from "./documents.js";
import { VECTOR_DIR } from "./fixtures.js";

const node = await buildDocuments("node");
const noble = await buildDocuments("noble");
for (const [file, content] of Object.entries(node)) {
  if (!isDeepStrictEqual(content, noble[file]))
    throw new Error(`${file}: the node and noble backends disagree; nothing written`);
}
for (const [file, content] of Object.entries(node)) {
  writeFileSync(`${VECTOR_DIR}${file}`, `${JSON.stringify(content, null, 2)}\n`);
  console.log(`wrote test/vectors/moatkit/${file}`);
}
// The bcrypt worker pool keeps the process alive otherwise.
process.exit(0);
