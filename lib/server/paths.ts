import { existsSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

function findRoot(): string {
  // lib/server/ is two levels below the root when run from source (tsx, vitest);
  // inside the site's server bundle that path points into .next/, and the
  // server runs with the repository as its working directory.
  const fromSource = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
  for (const dir of [fromSource, process.cwd()]) {
    if (existsSync(join(dir, "prisma", "migrations")) && existsSync(join(dir, "exercises"))) return dir;
  }
  throw new Error(`cannot find the repository (prisma/migrations and exercises/) from ${fromSource} or ${process.cwd()}`);
}

/** The repository's root folder. */
export const REPO_ROOT = findRoot();
