/*
 * The learner's API as one declaration file: simulator/rmap-sim.d.ts.
 *
 *   npm run build:types            write it
 *   npx tsx scripts/build-types.ts --check   exit 1 if the committed file is stale
 *
 * dts-bundle-generator bundles the declarations reachable from
 * simulator/src/index.ts (the "rmap-sim" entry point), keeping each export's
 * kernel-doc comment; the result is wrapped as `declare module "rmap-sim" { … }`
 * so an editor (Monaco's addExtraLib) or a TypeScript program can load it
 * alone, with no file of the simulator beside it.
 */
import { readFileSync, writeFileSync } from "node:fs";
import { fileURLToPath } from "node:url";
import { generateDtsBundle } from "dts-bundle-generator";

const ROOT = fileURLToPath(new URL("..", import.meta.url));
export const TYPES_FILE = `${ROOT}simulator/rmap-sim.d.ts`;
const ENTRY = `${ROOT}simulator/src/index.ts`;

const HEADER = `/*
 * The API a learner's file may import: import { ... } from "rmap-sim".
 * Generated from simulator/src/index.ts by \`npm run build:types\`; do not edit.
 */
`;

/** The declaration file's text, from the simulator's current source. */
export function buildTypes(): string {
  const [flat] = generateDtsBundle(
    [{ filePath: ENTRY, output: { noBanner: true, exportReferencedTypes: false } }],
    { preferredConfigPath: `${ROOT}simulator/tsconfig.json` },
  );
  if (flat === undefined) throw new Error("dts-bundle-generator produced nothing");
  // Classes the entry point exports as types only (`type Op`): the bundle would export them as values.
  const typeOnly = [...readFileSync(ENTRY, "utf8").matchAll(/\btype (\w+)\s*[,}]/g)].map((m) => m[1]!);
  let text = flat;
  const asTypes: string[] = [];
  for (const name of typeOnly) {
    const cls = new RegExp(`^export declare (abstract )?class ${name}\\b`, "m");
    if (!cls.test(text)) continue;
    text = text.replace(cls, `declare $1class ${name}`);
    asTypes.push(name);
  }
  if (asTypes.length) text = `${text.trimEnd()}\nexport type { ${asTypes.join(", ")} };\n`;
  const body = text
    .replace(/^export \{\};?\s*$/m, "")
    .trimEnd()
    .split("\n")
    // Inside `declare module` everything is already ambient: `declare` is not allowed there.
    .map((line) => line.replace(/^(export )?declare /, "$1"))
    .map((line) => (line.length ? `\t${line}` : line))
    .join("\n");
  return `${HEADER}declare module "rmap-sim" {\n${body}\n}\n`;
}

function main(): void {
  const text = buildTypes();
  if (process.argv.includes("--check")) {
    let committed = "";
    try {
      committed = readFileSync(TYPES_FILE, "utf8");
    } catch {
      /* missing: stale */
    }
    if (committed !== text) {
      console.error("simulator/rmap-sim.d.ts is stale: run npm run build:types and commit it");
      process.exit(1);
    }
    console.log(`simulator/rmap-sim.d.ts is up to date (${text.length} bytes)`);
    return;
  }
  writeFileSync(TYPES_FILE, text);
  console.log(`wrote simulator/rmap-sim.d.ts (${text.length} bytes)`);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) main();
