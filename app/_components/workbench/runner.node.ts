/*
 * The WebContainer runner's Node script: the same simulator, public suites
 * and run-public as the Web Worker, bundled for Node (scripts/workbench-assets.ts
 * writes public/workbench/runner-node.mjs). Reads request.json from its
 * working directory, streams output to stdout, writes results.json, and
 * exits 0; a request it cannot serve exits 1 with the reason on stderr.
 */
import { readFileSync, writeFileSync } from "node:fs";
import type { RunRequest } from "./protocol";
import { PUBLIC_SUITES } from "./public-suites";
import { replayPublic, runPublic } from "./run-public";

async function main(): Promise<void> {
  const req = JSON.parse(readFileSync("request.json", "utf8")) as RunRequest;
  const loaders = PUBLIC_SUITES[req.exercise];
  if (!loaders) throw new Error(`no public tests for exercise ${req.exercise}`);
  const suites = (await Promise.all(loaders.map((l) => l()))).map((m) => m.default);
  const ctx = { exercise: req.exercise, title: req.title, files: req.files, suites, output: (text: string) => void process.stdout.write(text) };
  const results = req.type === "run" ? runPublic(ctx) : replayPublic(ctx, req.test, req.scenario, req.token);
  writeFileSync("results.json", JSON.stringify(results));
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.message : String(e)}\n`);
  process.exit(1);
});
