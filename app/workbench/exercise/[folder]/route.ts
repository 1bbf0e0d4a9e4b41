/*
 * An exercise's public workbench data: the starter of every file the learner
 * edits and the hints by failure kind. Fetched by the workbench when it loads,
 * so the lesson page does not carry it inline. Static: one JSON file per
 * exercise, written at build time; unknown folders are a 404.
 */
import { exerciseByFolder, readHints, readManifest, readStarter } from "../../../_lib/exercises";

export const dynamic = "force-static";
export const dynamicParams = false;

export function generateStaticParams(): { folder: string }[] {
  return readManifest().exercises.map((e) => ({ folder: e.folder }));
}

export async function GET(_req: Request, { params }: { params: Promise<{ folder: string }> }): Promise<Response> {
  const { folder } = await params;
  const ex = exerciseByFolder(folder);
  const body = { exercise: folder, starter: readStarter(folder, ex.files), hints: readHints(folder) };
  return new Response(JSON.stringify(body), { headers: { "content-type": "application/json; charset=utf-8", "cache-control": "public, max-age=3600" } });
}
