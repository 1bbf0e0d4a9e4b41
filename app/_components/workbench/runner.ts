/*
 * One runner interface, two implementations: a Web Worker (always available)
 * and a WebContainer (when one boots). Both report the grader's results
 * schema. The choice is made by feature detection and a fast probe, never by
 * browser name, and the page says which ran and why.
 */
import type { Results } from "rmap-schemas";
import type { CompiledFile, RunRequest, RunnerMessage } from "./protocol";

export interface RunHandlers {
  output(text: string): void;
}

export interface Runner {
  readonly kind: "worker" | "webcontainer";
  run(req: RunRequest, h: RunHandlers): Promise<Results>;
}

export class RunStopped extends Error {}

/** Runs each request in a fresh Worker, terminated when `budgetMs` is spent. */
export class WorkerRunner implements Runner {
  readonly kind = "worker" as const;
  constructor(
    private readonly create: () => Worker,
    private readonly budgetMs = 20_000,
  ) {}

  run(req: RunRequest, h: RunHandlers): Promise<Results> {
    const w = this.create();
    return new Promise<Results>((resolve, reject) => {
      const timer = setTimeout(() => {
        w.terminate();
        reject(new RunStopped(`The run was stopped after ${Math.round(this.budgetMs / 1000)} s: a loop that never yields (a spin without a primitive, an endless retry) keeps the simulator from ever finishing. Look for a loop whose exit depends on another thread.`));
      }, this.budgetMs);
      const finish = () => {
        clearTimeout(timer);
        w.terminate();
      };
      w.onmessage = (ev: MessageEvent<RunnerMessage>) => {
        const m = ev.data;
        if (m.type === "output") h.output(m.text);
        else if (m.type === "done") {
          finish();
          resolve(m.results);
        } else {
          finish();
          reject(new Error(m.message));
        }
      };
      w.onerror = (ev) => {
        finish();
        reject(new RunStopped(`The run crashed: ${ev.message || "the worker stopped unexpectedly"}`));
      };
      w.postMessage(req);
    });
  }
}

/** The part of @webcontainer/api's WebContainer the runner uses. */
export interface ContainerProcess {
  output: ReadableStream<string>;
  exit: Promise<number>;
  kill(): void;
}
export interface Container {
  mount(tree: Record<string, { file: { contents: string } } | { directory: Record<string, unknown> }>): Promise<void>;
  spawn(cmd: string, args: string[]): Promise<ContainerProcess>;
  fs: { readFile(path: string, encoding: "utf-8"): Promise<string> };
}

/**
 * Runs the same code in a booted WebContainer: `runtime` is a self-contained
 * script (the simulator, the public suites and run-public, bundled for Node)
 * that reads request.json and writes results.json.
 */
export class WebContainerRunner implements Runner {
  readonly kind = "webcontainer" as const;
  constructor(
    private readonly container: Container,
    private readonly runtime: string,
    private readonly budgetMs = 20_000,
  ) {}

  async run(req: RunRequest, h: RunHandlers): Promise<Results> {
    await this.container.mount({
      "runner.mjs": { file: { contents: this.runtime } },
      "request.json": { file: { contents: JSON.stringify(req) } },
    });
    const p = await this.container.spawn("node", ["runner.mjs"]);
    const reader = p.output.getReader();
    const pump = (async () => {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) return;
        h.output(value);
      }
    })();
    let timer: ReturnType<typeof setTimeout> | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => {
        p.kill();
        reject(new RunStopped(`The run was stopped after ${Math.round(this.budgetMs / 1000)} s.`));
      }, this.budgetMs);
    });
    try {
      const code = await Promise.race([p.exit, timeout]);
      await pump;
      if (code !== 0) throw new RunStopped(`The run crashed (exit code ${code}).`);
      return JSON.parse(await this.container.fs.readFile("results.json", "utf-8")) as Results;
    } finally {
      clearTimeout(timer);
    }
  }
}

export interface Choice {
  runner: Runner;
  why: string;
}

export interface ChooseOptions {
  makeWorker: () => Runner;
  /** Boot a WebContainer runner; absent when the build ships none. */
  bootContainer?: () => Promise<Runner>;
  crossOriginIsolated: boolean;
  /** Resolves when the WebContainer host answers, rejects when it cannot be reached. */
  probe: () => Promise<void>;
  /** How long the probe may take before the host counts as unreachable (a black-holed network never answers). */
  probeTimeoutMs?: number;
  bootTimeoutMs?: number;
}

/** Rejects with "timeout" after `ms`, unless `p` settles first. */
function within<T>(p: Promise<T>, ms: number): Promise<T> {
  let timer: ReturnType<typeof setTimeout> | undefined;
  return Promise.race([
    p,
    new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error("timeout")), ms);
    }),
  ]).finally(() => clearTimeout(timer));
}

/** Feature detection, a probe of the host, and a boot raced against a timeout; the Worker otherwise. */
export async function chooseRunner(o: ChooseOptions): Promise<Choice> {
  const worker = (why: string): Choice => ({ runner: o.makeWorker(), why });
  if (!o.bootContainer) return worker("Web Worker: this build ships no WebContainer runtime.");
  if (!o.crossOriginIsolated) return worker("Web Worker: the page is not cross-origin isolated, which WebContainers need.");
  const probeMs = o.probeTimeoutMs ?? 1000;
  try {
    await within(o.probe(), probeMs);
  } catch (e) {
    return worker(
      e instanceof Error && e.message === "timeout"
        ? `Web Worker: the WebContainer host did not answer within ${probeMs / 1000} s.`
        : "Web Worker: the WebContainer host cannot be reached (offline or blocked network).",
    );
  }
  const ms = o.bootTimeoutMs ?? 4000;
  try {
    const runner = await within(o.bootContainer(), ms);
    return { runner, why: "WebContainer: booted, running Node in the page." };
  } catch (e) {
    return worker(e instanceof Error && e.message === "timeout" ? `Web Worker: the WebContainer did not boot within ${ms / 1000} s.` : `Web Worker: the WebContainer failed to boot (${e instanceof Error ? e.message : String(e)}).`);
  }
}

/** The frame WebContainer.boot() loads (its version is the package's); the probe asks for it without reading it. */
export const WEBCONTAINER_HOST = "https://stackblitz.com/headless?version=1.6.4";

/** A reachability probe of the WebContainer host: an opaque no-cors request, which rejects at once offline. */
export function probeWebContainerHost(f: typeof fetch = fetch): Promise<void> {
  return f(WEBCONTAINER_HOST, { mode: "no-cors", cache: "no-store", credentials: "omit" }).then(() => undefined);
}

/**
 * Boots the real WebContainer (@webcontainer/api, loaded only now) and the
 * Node runtime script of the runner (`runtimeUrl`). Precondition: the page is
 * cross-origin isolated; boot() may be called once per page.
 */
export async function bootWebContainer(runtimeUrl: string): Promise<Runner> {
  const [{ WebContainer }, runtime] = await Promise.all([
    import("@webcontainer/api"),
    fetch(runtimeUrl).then((r) => {
      if (!r.ok) throw new Error(`the WebContainer runtime could not be loaded (${r.status})`);
      return r.text();
    }),
  ]);
  const wc = await WebContainer.boot({ coep: "require-corp" });
  const container: Container = {
    mount: (tree) => wc.mount(tree as Parameters<typeof wc.mount>[0]),
    spawn: (cmd, args) => wc.spawn(cmd, args),
    fs: { readFile: (path, encoding) => wc.fs.readFile(path, encoding) },
  };
  return new WebContainerRunner(container, runtime);
}

export type { CompiledFile };
