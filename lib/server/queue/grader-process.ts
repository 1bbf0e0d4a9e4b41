/*
 * A GradeFn that grades in a child process (scripts/grader-process.ts), so
 * the site never loads the grader, and a grader that crashes or is killed
 * fails only the gradings in flight (GraderCrash: retried with backoff); the
 * next grading starts a new process.
 */
import "server-only";
import { type ChildProcess, spawn } from "node:child_process";
import { join } from "node:path";
import { createInterface } from "node:readline";
import { REPO_ROOT } from "../paths";
import type { GradeFn } from "./grading";

export function createProcessGrader(log?: (m: string) => void): GradeFn & { close(): void; pid(): number | undefined } {
  let child: ChildProcess | undefined;
  let ready: Promise<void> | undefined;
  let nextId = 1;
  const pending = new Map<number, { resolve: (r: unknown) => void; reject: (e: Error) => void }>();

  function start() {
    const c = spawn(process.execPath, ["--import", "tsx", join(REPO_ROOT, "scripts", "grader-process.ts")], {
      cwd: REPO_ROOT,
      stdio: ["pipe", "pipe", "inherit"],
      env: { ...process.env, NODE_OPTIONS: "" },
    });
    child = c;
    ready = new Promise((resolve, reject) => {
      const rl = createInterface({ input: c.stdout! });
      rl.on("line", (line) => {
        let msg: { ready?: boolean; id?: number; results?: unknown; error?: string };
        try {
          msg = JSON.parse(line);
        } catch {
          return;
        }
        if (msg.ready) return resolve();
        const p = msg.id === undefined ? undefined : pending.get(msg.id);
        if (!p) return;
        pending.delete(msg.id!);
        if (msg.error !== undefined) p.reject(new Error(msg.error));
        else p.resolve(msg.results);
      });
      c.once("exit", (code, signal) => {
        if (child === c) child = undefined;
        const why = new Error(`the grader process exited (${signal ?? code})`);
        reject(why);
        log?.(why.message);
        for (const [, p] of pending) p.reject(why);
        pending.clear();
      });
    });
  }

  const grade = (async (exerciseDir: string, files: Record<string, string>) => {
    if (!child) start();
    await ready;
    const id = nextId++;
    return new Promise((resolve, reject) => {
      pending.set(id, { resolve: resolve as (r: unknown) => void, reject });
      child!.stdin!.write(JSON.stringify({ id, exerciseDir, files }) + "\n");
    });
  }) as GradeFn & { close(): void; pid(): number | undefined };
  grade.close = () => child?.kill("SIGTERM");
  grade.pid = () => child?.pid;
  return grade;
}
