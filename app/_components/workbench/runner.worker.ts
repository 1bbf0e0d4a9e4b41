/*
 * The Web Worker runner: the simulator and the exercise's public suites,
 * bundled. One request per worker; the page terminates the worker when the
 * run's budget is spent, so a runaway loop never blocks the page.
 */
import { PUBLIC_SUITES } from "./public-suites";
import type { RunRequest, RunnerMessage } from "./protocol";
import { replayPublic, runPublic } from "./run-public";

const post = (m: RunnerMessage) => (self as unknown as Worker).postMessage(m);

self.addEventListener("message", (ev: MessageEvent<RunRequest>) => {
  void (async () => {
    const req = ev.data;
    try {
      const loaders = PUBLIC_SUITES[req.exercise];
      if (!loaders) throw new Error(`no public tests for exercise ${req.exercise}`);
      const suites = (await Promise.all(loaders.map((l) => l()))).map((m) => m.default);
      const ctx = { exercise: req.exercise, title: req.title, files: req.files, suites, output: (text: string) => post({ type: "output", text }) };
      const results = req.type === "run" ? runPublic(ctx) : replayPublic(ctx, req.test, req.scenario, req.token);
      post({ type: "done", results });
    } catch (e) {
      post({ type: "error", message: e instanceof Error ? e.message : String(e) });
    }
  })();
});
