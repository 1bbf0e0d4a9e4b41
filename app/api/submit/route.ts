/*
 * POST /api/submit {exercise, files}: grade a submission. Bad input (not
 * JSON, too large, unknown exercise, wrong files) is a 4xx with a message and
 * is never graded; too many submissions is a 429 with Retry-After. A graded
 * submission answers with a stream of JSON lines: {"status":"queued"},
 * {"status":"grading"}, then {"status":"done","results":...} (the grader's
 * results schema) or {"status":"error","error":...}.
 */
import { join } from "node:path";
import { readManifest } from "../../_lib/exercises";
import { gradingProcess } from "./grading";
import { fileProblems, MAX_BODY_BYTES, parseRate, RateLimiter, SubmissionSchema } from "./limits";

export const dynamic = "force-dynamic";

const rate = parseRate(process.env.SUBMIT_RATE_LIMIT);
const limiter = new RateLimiter(rate.max, rate.windowMs);

const problem = (status: number, error: string, headers: Record<string, string> = {}) =>
  Response.json({ error }, { status, headers });

function clientOf(req: Request): string {
  return req.headers.get("x-forwarded-for")?.split(",")[0]?.trim() || req.headers.get("x-real-ip") || "local";
}

export async function POST(req: Request): Promise<Response> {
  if (!(req.headers.get("content-type") ?? "").includes("application/json")) return problem(415, "send the submission as application/json");
  const declared = Number(req.headers.get("content-length") ?? "0");
  if (declared > MAX_BODY_BYTES) return problem(413, `the submission is larger than ${MAX_BODY_BYTES} bytes`);
  const text = await req.text();
  if (Buffer.byteLength(text) > MAX_BODY_BYTES) return problem(413, `the submission is larger than ${MAX_BODY_BYTES} bytes`);
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return problem(400, "the submission is not valid JSON");
  }
  const parsed = SubmissionSchema.safeParse(json);
  if (!parsed.success) return problem(400, `malformed submission: ${parsed.error.issues.map((i) => `${i.path.join(".") || "body"}: ${i.message}`).join("; ")}`);
  const { exercise, files } = parsed.data;
  const ex = readManifest().exercises.find((e) => e.folder === exercise);
  if (!ex) return problem(404, `no exercise ${exercise}`);
  const wrong = fileProblems(Object.keys(files), ex.files);
  if (wrong.length) return problem(422, wrong.join("; "));

  const r = limiter.take(clientOf(req), Date.now());
  if (!r.ok) {
    const s = Math.ceil(r.retryAfterMs / 1000);
    return problem(429, `too many submissions: try again in ${s} s`, { "retry-after": String(s) });
  }

  const enc = new TextEncoder();
  const stream = new ReadableStream<Uint8Array>({
    start(controller) {
      const send = (m: unknown) => controller.enqueue(enc.encode(JSON.stringify(m) + "\n"));
      send({ status: "queued" });
      gradingProcess()
        .grade(join(process.cwd(), "exercises", exercise), files, () => send({ status: "grading" }))
        .then(
          (results) => send({ status: "done", results }),
          (e: unknown) => send({ status: "error", error: e instanceof Error ? e.message : String(e) }),
        )
        .finally(() => controller.close());
    },
  });
  return new Response(stream, { headers: { "content-type": "application/x-ndjson; charset=utf-8", "cache-control": "no-store" } });
}
