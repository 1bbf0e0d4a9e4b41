import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/** The repository's root folder (lib/server/ is two levels below it). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), "..", "..");
