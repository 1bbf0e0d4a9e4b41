/*
 * Monaco from the package (never a CDN), its workers bundled from the
 * package into public/workbench/ (scripts/workbench-assets.ts), and TypeScript set up for a learner's file: the rmap-sim
 * declarations as an extra lib, strict checking, CommonJS emit with source
 * maps (the browser runner evaluates the emitted module and maps its lines
 * back to the TypeScript).
 */
import * as monaco from "monaco-editor";
import { loader } from "@monaco-editor/react";

let ready: Promise<typeof monaco> | null = null;

/** Set Monaco up once per page; `dts` is simulator/rmap-sim.d.ts. */
export function setupMonaco(dts: string): Promise<typeof monaco> {
  if (ready) return ready;
  (self as unknown as { MonacoEnvironment: monaco.Environment }).MonacoEnvironment = {
    getWorker(_id: string, label: string) {
      if (label === "typescript" || label === "javascript") {
        return new Worker("/workbench/ts.worker.js", { type: "module" });
      }
      return new Worker("/workbench/editor.worker.js", { type: "module" });
    },
  };
  const ts = monaco.typescript;
  ts.typescriptDefaults.setCompilerOptions({
    target: ts.ScriptTarget.ES2020,
    module: ts.ModuleKind.CommonJS,
    moduleResolution: ts.ModuleResolutionKind.NodeJs,
    strict: true,
    noImplicitOverride: true,
    sourceMap: true,
    lib: ["es2022"],
    allowNonTsExtensions: true,
    esModuleInterop: true,
  });
  ts.typescriptDefaults.setDiagnosticsOptions({ noSemanticValidation: false, noSyntaxValidation: false });
  ts.typescriptDefaults.setEagerModelSync(true);
  ts.typescriptDefaults.addExtraLib(dts, "file:///node_modules/rmap-sim/index.d.ts");
  loader.config({ monaco });
  ready = loader.init().then(() => monaco);
  return ready;
}

export const fileUri = (m: typeof monaco, exercise: string, file: string) => m.Uri.parse(`file:///exercise/${exercise}/${file}`);

/** Transpile the learner's files with the editor's own TypeScript worker: CommonJS and a source map per file. */
export async function emit(m: typeof monaco, exercise: string, files: string[]): Promise<{ file: string; js: string; map: string | null }[]> {
  const uris = files.map((f) => fileUri(m, exercise, f));
  const getWorker = await m.typescript.getTypeScriptWorker();
  const client = await getWorker(...uris);
  return Promise.all(
    files.map(async (file, i) => {
      const out = await client.getEmitOutput(uris[i]!.toString());
      const js = out.outputFiles.find((o) => o.name.endsWith(".js"));
      const map = out.outputFiles.find((o) => o.name.endsWith(".js.map"));
      if (!js) throw new Error(`TypeScript produced no JavaScript for ${file}`);
      // The emitted file ends with a sourceMappingURL comment that means nothing here.
      return { file, js: js.text.replace(/\/\/# sourceMappingURL=.*$/m, ""), map: map?.text ?? null };
    }),
  );
}
