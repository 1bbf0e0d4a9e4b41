/*
 * The learner API's declarations (simulator/rmap-sim.d.ts), served for the
 * editor's TypeScript as an extra lib. Static: read once at build time.
 */
import { readFileSync } from "node:fs";
import { join } from "node:path";

export const dynamic = "force-static";

export function GET(): Response {
  const text = readFileSync(join(/*turbopackIgnore: true*/ process.cwd(), "simulator", "rmap-sim.d.ts"), "utf8");
  return new Response(text, { headers: { "content-type": "text/plain; charset=utf-8", "cache-control": "public, max-age=3600" } });
}
