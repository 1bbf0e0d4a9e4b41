/*
 * The workbench's Web Workers, bundled with esbuild into public/workbench/
 * before `next build` and `next dev`: the browser runner (the simulator and
 * the public suites, scripts/../app/_components/workbench/runner.worker.ts)
 * and Monaco's editor and TypeScript workers from the package. Served as
 * plain same-origin files, so they need no bundler support for workers.
 * The WebContainer runner's Node script (runner.node.ts) is bundled beside
 * them as runner-node.mjs. Only public suites reach the runner (public-suites.ts lists them; the
 * import rules and the client-asset test check it).
 */
import { mkdirSync, rmSync } from "node:fs";
import { createRequire } from "node:module";
import { dirname, join } from "node:path";
import { build } from "esbuild";

export const WORKBENCH_ASSETS = "public/workbench";

export async function buildWorkbenchAssets(root: string): Promise<string[]> {
  const out = join(root, WORKBENCH_ASSETS);
  rmSync(out, { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  // The package's exports map hides package.json; its main entry is esm/vs/index.js.
  const monacoEsm = join(dirname(dirname(dirname(createRequire(join(root, "package.json")).resolve("monaco-editor")))), "esm", "vs");
  const entries: Record<string, string> = {
    runner: join(root, "app", "_components", "workbench", "runner.worker.ts"),
    "editor.worker": join(monacoEsm, "editor", "editor.worker.js"),
    "ts.worker": join(monacoEsm, "language", "typescript", "ts.worker.js"),
  };
  await build({
    entryPoints: entries,
    outdir: out,
    bundle: true,
    splitting: false,
    format: "esm",
    platform: "browser",
    target: "es2022",
    minify: true,
    legalComments: "linked",
    logLevel: "warning",
    define: { "process.env.NODE_ENV": '"production"' },
  });
  // The WebContainer runner's script: the same runner, for the container's Node.
  await build({
    entryPoints: { "runner-node": join(root, "app", "_components", "workbench", "runner.node.ts") },
    outdir: out,
    outExtension: { ".js": ".mjs" },
    bundle: true,
    splitting: false,
    format: "esm",
    platform: "node",
    target: "node18",
    minify: true,
    legalComments: "linked",
    logLevel: "warning",
  });
  return [...Object.keys(entries).map((n) => `${WORKBENCH_ASSETS}/${n}.js`), `${WORKBENCH_ASSETS}/runner-node.mjs`];
}
