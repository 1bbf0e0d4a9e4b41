import { readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import type { Results } from "rmap-schemas";
import { chooseRunner, probeWebContainerHost, RunStopped, WEBCONTAINER_HOST, WebContainerRunner, WorkerRunner, type Container, type Runner } from "./runner";
import type { RunRequest, RunnerMessage } from "./protocol";

const REQ: RunRequest = { type: "run", exercise: "00-tools", title: "t", files: [{ file: "eventlog.ts", js: "", map: null }] };
const RESULTS: Results = {
  gradable: true,
  score: 1,
  points: 1,
  max_points: 1,
  message: "All 1 public tests passed.",
  exercise: { id: "00-tools", folder: "00-tools", title: "t" },
  tests: [],
  timings: { checkMs: 0, bundleMs: 0, sandboxMs: 1, totalMs: 1 },
};

/** A Worker that answers with `script` (or never, for a runaway). */
function fakeWorker(script: RunnerMessage[] | "hang" | "crash") {
  const w = {
    terminated: false,
    onmessage: null as ((e: MessageEvent<RunnerMessage>) => void) | null,
    onerror: null as ((e: ErrorEvent) => void) | null,
    postMessage() {
      if (script === "hang") return;
      if (script === "crash") return void setTimeout(() => w.onerror?.({ message: "boom" } as ErrorEvent), 1);
      for (const m of script) setTimeout(() => w.onmessage?.({ data: m } as MessageEvent<RunnerMessage>), 1);
    },
    terminate() {
      w.terminated = true;
    },
  };
  return w;
}

describe("WorkerRunner", () => {
  it("streams output and resolves with the results, then terminates the worker", async () => {
    const w = fakeWorker([{ type: "output", text: "PASS a\n" }, { type: "done", results: RESULTS }]);
    let out = "";
    const r = await new WorkerRunner(() => w as unknown as Worker).run(REQ, { output: (t) => (out += t) });
    expect(r).toEqual(RESULTS);
    expect(out).toBe("PASS a\n");
    expect(w.terminated).toBe(true);
  });

  it("stops a runaway run after its budget with a clear message", async () => {
    const w = fakeWorker("hang");
    await expect(new WorkerRunner(() => w as unknown as Worker, 30).run(REQ, { output: () => {} })).rejects.toThrow(/stopped after/);
    expect(w.terminated).toBe(true);
  });

  it("reports a crashed worker", async () => {
    const w = fakeWorker("crash");
    const p = new WorkerRunner(() => w as unknown as Worker).run(REQ, { output: () => {} });
    await expect(p).rejects.toBeInstanceOf(RunStopped);
    await expect(p).rejects.toThrow(/crashed: boom/);
  });
});

/** The part of a WebContainer the runner uses, with a "node" that writes results.json. */
function fakeContainer(opts: { exit: number; hang?: boolean }) {
  const files = new Map<string, string>();
  let killed = false;
  const c: Container & { files: Map<string, string>; killed: () => boolean; spawned: string[][] } = {
    files,
    spawned: [],
    killed: () => killed,
    async mount(tree) {
      for (const [k, v] of Object.entries(tree)) if ("file" in v) files.set(k, v.file.contents);
    },
    async spawn(cmd, args) {
      c.spawned.push([cmd, ...args]);
      const req = JSON.parse(files.get("request.json")!) as RunRequest;
      let close!: () => void;
      const output = new ReadableStream<string>({
        start(ctl) {
          ctl.enqueue(`running ${req.exercise}\n`);
          close = () => ctl.close();
        },
      });
      const exit = new Promise<number>((resolve) => {
        if (opts.hang) return;
        files.set("results.json", JSON.stringify(RESULTS));
        setTimeout(() => {
          close();
          resolve(opts.exit);
        }, 1);
      });
      return {
        output,
        exit,
        kill() {
          killed = true;
          close();
        },
      };
    },
    fs: {
      async readFile(path) {
        const f = files.get(path);
        if (f === undefined) throw new Error(`ENOENT ${path}`);
        return f;
      },
    },
  };
  return c;
}

describe("WebContainerRunner", () => {
  it("mounts the runtime and the request, runs node, streams output and reads the results", async () => {
    const c = fakeContainer({ exit: 0 });
    let out = "";
    const r = await new WebContainerRunner(c, "// runtime").run(REQ, { output: (t) => (out += t) });
    expect(r).toEqual(RESULTS);
    expect(c.spawned).toEqual([["node", "runner.mjs"]]);
    expect(c.files.get("runner.mjs")).toBe("// runtime");
    expect(out).toBe("running 00-tools\n");
  });

  it("reports a non-zero exit as a crash", async () => {
    await expect(new WebContainerRunner(fakeContainer({ exit: 1 }), "").run(REQ, { output: () => {} })).rejects.toThrow(/exit code 1/);
  });

  it("kills a run that overruns its budget", async () => {
    const c = fakeContainer({ exit: 0, hang: true });
    await expect(new WebContainerRunner(c, "", 30).run(REQ, { output: () => {} })).rejects.toThrow(/stopped after/);
    expect(c.killed()).toBe(true);
  });
});

describe("chooseRunner", () => {
  const worker: Runner = { kind: "worker", run: async () => RESULTS };
  const container: Runner = { kind: "webcontainer", run: async () => RESULTS };
  const base = { makeWorker: () => worker, crossOriginIsolated: true, probe: async () => {} };

  it("uses a WebContainer that boots", async () => {
    const c = await chooseRunner({ ...base, bootContainer: async () => container });
    expect(c.runner.kind).toBe("webcontainer");
  });

  it("falls back to the Worker without isolation, when the probe fails, or when boot never settles", async () => {
    expect((await chooseRunner({ ...base, crossOriginIsolated: false, bootContainer: async () => container })).why).toMatch(/not cross-origin isolated/);
    const unreachable = await chooseRunner({ ...base, probe: () => Promise.reject(new TypeError("Failed to fetch")), bootContainer: async () => container });
    expect(unreachable.runner.kind).toBe("worker");
    expect(unreachable.why).toMatch(/cannot be reached/);
    const t0 = Date.now();
    const hung = await chooseRunner({ ...base, bootTimeoutMs: 50, bootContainer: () => new Promise<Runner>(() => {}) });
    expect(hung.runner.kind).toBe("worker");
    expect(hung.why).toMatch(/did not boot within/);
    expect(Date.now() - t0).toBeLessThan(2000);
  });

  it("gives up on a probe that never answers (a black-holed network) after its timeout, without booting", async () => {
    let booted = false;
    const t0 = Date.now();
    const c = await chooseRunner({
      ...base,
      probeTimeoutMs: 100,
      probe: () => new Promise<void>(() => {}),
      bootContainer: async () => {
        booted = true;
        return container;
      },
    });
    expect(c.runner.kind).toBe("worker");
    expect(c.why).toMatch(/did not answer within 0.1 s/);
    expect(booted).toBe(false);
    expect(Date.now() - t0).toBeLessThan(1500);
  });

  it("says why when the boot itself fails", async () => {
    const c = await chooseRunner({ ...base, bootContainer: () => Promise.reject(new Error("Unable to create more instances")) });
    expect(c.runner.kind).toBe("worker");
    expect(c.why).toMatch(/failed to boot \(Unable to create more instances\)/);
  });

  it("probes the frame URL of the installed @webcontainer/api", () => {
    const pkg = JSON.parse(readFileSync(join(process.cwd(), "node_modules", "@webcontainer", "api", "package.json"), "utf8")) as { version: string };
    expect(WEBCONTAINER_HOST).toBe(`https://stackblitz.com/headless?version=${pkg.version}`);
  });

  it("probes the host with an opaque request and no credentials", async () => {
    const calls: [string, RequestInit | undefined][] = [];
    const fake = ((url: string, init?: RequestInit) => {
      calls.push([url, init]);
      return Promise.resolve(new Response(null));
    }) as unknown as typeof fetch;
    await probeWebContainerHost(fake);
    expect(calls).toEqual([[WEBCONTAINER_HOST, { mode: "no-cors", cache: "no-store", credentials: "omit" }]]);
    await expect(probeWebContainerHost((() => Promise.reject(new TypeError("Failed to fetch"))) as unknown as typeof fetch)).rejects.toThrow();
  });
});
