// Generates the Prisma client into lib/server/generated/prisma (run by
// `npm install` / `npm ci` as postinstall). Needs no network: generation
// uses no engine, and the schema engine, which cannot be downloaded here, is
// replaced by a stub that fails (so `prisma migrate` can never silently do
// nothing). Migrations are applied by lib/server/migrate.ts instead.
import { spawnSync } from "node:child_process";
import { fileURLToPath } from "node:url";
import { dirname, join } from "node:path";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");
const prismaCli = join(root, "node_modules", "prisma", "build", "index.js");
const env = {
  ...process.env,
  PRISMA_SCHEMA_ENGINE_BINARY: process.env.PRISMA_SCHEMA_ENGINE_BINARY ?? join(root, "prisma", "offline-schema-engine"),
  CHECKPOINT_DISABLE: "1",
  PRISMA_HIDE_UPDATE_MESSAGE: "1",
};
const r = spawnSync(process.execPath, [prismaCli, "generate"], { cwd: root, env, stdio: "inherit" });
if (r.status !== 0) {
  console.error("prisma generate failed: the site and the grading workers need the generated client (lib/server/generated/prisma).");
  process.exit(r.status ?? 1);
}
