/*
 * Building and serving the site, shared by `npm start`, `npm run build`,
 * `npm run dev`, the browser tests and the site benchmark.
 *
 * A build is: check the course text (content/), write the exercise manifest,
 * `next build`, then record a hash of every input in .next/rmap-inputs.json.
 * `ensureBuild()` rebuilds only when that hash differs from the recorded one
 * (or there is no build), so a second `npm start` serves at once.
 */
import { spawn, type ChildProcess } from "node:child_process";
import { createHash } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { join, relative } from "node:path";
import { checkContent } from "../app/_lib/content-check";
import { contentDir } from "../app/_lib/content";
import { buildManifest, writeManifest } from "./exercise-manifest";
import { startSharedCache } from "./shared-cache";
import { buildWorkbenchAssets, WORKBENCH_ASSETS } from "./workbench-assets";

export const ROOT = join(import.meta.dirname, "..");
const NEXT_BIN = join(ROOT, "node_modules", "next", "dist", "bin", "next");
const STAMP = join(ROOT, ".next", "rmap-inputs.json");

/** Everything a production build depends on. Paths are relative to the repository root. */
const INPUT_DIRS = ["app", "lib", "prisma", "schemas", "exercises", "simulator/src", "grader/src", "public"];
const INPUT_FILES = ["instrumentation.ts", "next.config.ts", "package-lock.json", "package.json", "tsconfig.json", "scripts/exercise-manifest.ts", "scripts/site-build.ts", "scripts/workbench-assets.ts"];

/** Next must not report telemetry: the site makes no request to any other host, at build or run time. */
export function siteEnv(extra: Record<string, string> = {}): NodeJS.ProcessEnv {
  return { ...process.env, NEXT_TELEMETRY_DISABLED: "1", ...extra };
}

function walk(dir: string, out: string[]): void {
  if (!existsSync(dir)) return;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name === "node_modules" || e.name.startsWith(".")) continue;
    const p = join(dir, e.name);
    if (e.isDirectory()) walk(p, out);
    else if (e.isFile()) out.push(p);
  }
}

/** A hash of every build input's path and contents, and of the content folder in use. */
export function inputsHash(): string {
  const files: string[] = [];
  for (const d of INPUT_DIRS) walk(join(ROOT, d), files);
  walk(contentDir(), files);
  for (const f of INPUT_FILES) if (existsSync(join(ROOT, f))) files.push(join(ROOT, f));
  const h = createHash("sha256");
  h.update(`content=${contentDir()}\n`);
  // The workbench's workers are built from the inputs above; their output is no input.
  const generated = join(ROOT, WORKBENCH_ASSETS);
  for (const f of [...new Set(files)].filter((f) => !f.startsWith(generated)).sort()) {
    h.update(`${relative(ROOT, f)}\0`);
    h.update(readFileSync(f));
    h.update("\0");
  }
  return h.digest("hex");
}

export function buildIsCurrent(hash = inputsHash()): boolean {
  if (!existsSync(join(ROOT, ".next", "BUILD_ID")) || !existsSync(STAMP)) return false;
  try {
    return (JSON.parse(readFileSync(STAMP, "utf8")) as { hash?: string }).hash === hash;
  } catch {
    return false;
  }
}

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn(cmd, args, { cwd: ROOT, env, stdio: "inherit" });
    child.on("error", reject);
    child.on("exit", (code, signal) =>
      code === 0 ? resolvePromise() : reject(new Error(`${args.join(" ")} failed (${signal ?? `exit ${code}`})`)),
    );
  });
}

/** Check the content and write the manifest: what `next build` and `next dev` read. Throws ContentError/GraderError. */
export async function prepare(log: (s: string) => void = console.log): Promise<void> {
  const { lessons, glossary } = await checkContent(contentDir(), join(ROOT, "exercises"));
  log(`course text: ${lessons.length} lessons, ${glossary.length} glossary entries (${relative(ROOT, contentDir()) || "."})`);
  const manifest = await buildManifest();
  writeManifest(manifest);
  log(`exercise manifest: ${manifest.exercises.length} exercises`);
  log(`workbench workers: ${(await buildWorkbenchAssets(ROOT)).join(", ")}`);
}

/** Build the production site. */
export async function build(log: (s: string) => void = console.log): Promise<void> {
  const hash = inputsHash();
  await prepare(log);
  await run(process.execPath, [NEXT_BIN, "build"], siteEnv());
  writeFileSync(STAMP, JSON.stringify({ hash, builtAt: new Date().toISOString() }) + "\n");
}

/** Build when an input changed since the last build; returns whether it built. */
export async function ensureBuild(log: (s: string) => void = console.log): Promise<boolean> {
  if (buildIsCurrent()) {
    log("the production build is up to date");
    return false;
  }
  log("building the site (inputs changed since the last build)...");
  await build(log);
  return true;
}

export function freePort(): Promise<number> {
  return new Promise((resolvePromise, reject) => {
    const srv = createServer();
    srv.unref();
    srv.on("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      const port = typeof addr === "object" && addr ? addr.port : 0;
      srv.close(() => resolvePromise(port));
    });
  });
}

/** Poll `url` until it answers (any HTTP status), for at most `timeoutMs`. */
export async function waitForUrl(url: string, timeoutMs: number, child?: ChildProcess): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && child.exitCode !== null) throw new Error(`the server exited (code ${child.exitCode}) before ${url} answered`);
    try {
      await fetch(url, { signal: AbortSignal.timeout(2_000) });
      return;
    } catch {
      if (Date.now() > deadline) throw new Error(`${url} did not answer within ${Math.round(timeoutMs / 1000)} s`);
      await new Promise((r) => setTimeout(r, 200));
    }
  }
}

export interface RunningSite {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Serve the existing production build on `port` (next start); resolves once it answers. */
export async function serve(port: number, opts: { quiet?: boolean; hostname?: string } = {}): Promise<RunningSite> {
  // `next start` listens on a loopback port of its own; the shared cache in front of it
  // (scripts/shared-cache.ts) takes the public port and serves the prerendered pages.
  const nextPort = await freePort();
  const args = [NEXT_BIN, "start", "-p", String(nextPort), "-H", "127.0.0.1"];
  const child = spawn(process.execPath, args, { cwd: ROOT, env: siteEnv(), stdio: opts.quiet ? ["ignore", "pipe", "pipe"] : "inherit" });
  let output = "";
  child.stdout?.on("data", (d: Buffer) => (output += d.toString()));
  child.stderr?.on("data", (d: Buffer) => (output += d.toString()));
  const url = `http://${opts.hostname ?? "localhost"}:${port}`;
  let front: Awaited<ReturnType<typeof startSharedCache>> | null = null;
  const stop = async () => {
    await front?.close();
    await new Promise<void>((resolvePromise) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolvePromise();
      child.once("exit", () => resolvePromise());
      child.kill("SIGTERM");
      setTimeout(() => child.kill("SIGKILL"), 5_000).unref();
    });
  };
  try {
    await waitForUrl(`http://127.0.0.1:${nextPort}`, 60_000, child);
    front = await startSharedCache(port, opts.hostname, { upstreamPort: nextPort });
    await waitForUrl(url, 10_000, child);
  } catch (e) {
    await stop();
    throw new Error(`${(e as Error).message}\n${output}`);
  }
  return { url, child, stop };
}

/** Whether the file was modified after the last build (for messages). */
export function builtAt(): Date | null {
  return existsSync(STAMP) ? statSync(STAMP).mtime : null;
}
