"use client";
/*
 * The lesson's workbench: the learner's files in Monaco (one tab each, drafts
 * saved on every edit), the public tests run in the browser, submission to
 * the grader, and the failing interleaving as a step-through timeline.
 * Loaded lazily after the lesson text (WorkbenchSlot), never rendered on the
 * server.
 */
import { DiffEditor, Editor, type OnMount } from "@monaco-editor/react";
import type * as Monaco from "monaco-editor";
import { useCallback, useEffect, useMemo, useRef, useState } from "react";
import type { Results, TestResult } from "rmap-schemas";
import { DraftSync, type SyncState } from "./draft-sync";
import { DraftSyncBar } from "./DraftSyncBar";
import { Drafts, type Files } from "./drafts";
import type { Hint } from "./hints";
import { hintsFor } from "./hints";
import { emit, fileUri, setupMonaco } from "./monaco-setup";
import type { RunRequest } from "./protocol";
import { bootWebContainer, chooseRunner, probeWebContainerHost, RunStopped, WorkerRunner, type Choice } from "./runner";
import { submitAndWait } from "./submit";
import { Timeline } from "./Timeline";

export interface WorkbenchProps {
  exercise: string;
  title: string;
  dtsUrl: string;
  /** The exercise's starter files and hints as JSON ({ starter, hints }): fetched here, not carried inline by the lesson page. */
  dataUrl: string;
}

interface LoadedProps {
  exercise: string;
  title: string;
  starter: Files;
  dtsUrl: string;
  hints: Hint[];
}

type SubmitPhase = "idle" | "sending" | "queued" | "grading" | "done" | "error";

/** Monaco's theme by the system's scheme; in dark, the high-contrast theme (vs-dark's comment green fails WCAG AA). */
function useTheme(): "vs" | "hc-black" {
  const [dark, setDark] = useState(false);
  useEffect(() => {
    const mq = window.matchMedia("(prefers-color-scheme: dark)");
    setDark(mq.matches);
    const on = (e: MediaQueryListEvent) => setDark(e.matches);
    mq.addEventListener("change", on);
    return () => mq.removeEventListener("change", on);
  }, []);
  return dark ? "hc-black" : "vs";
}

/** Fetches the exercise's starter and hints, then shows the workbench. */
export default function Workbench({ exercise, title, dtsUrl, dataUrl }: WorkbenchProps) {
  const [data, setData] = useState<{ starter: Files; hints: Hint[] } | null>(null);
  const [error, setError] = useState<string | null>(null);
  useEffect(() => {
    let live = true;
    fetch(dataUrl)
      .then((r) => {
        if (!r.ok) throw new Error(`the exercise's starter files could not be loaded (${r.status})`);
        return r.json() as Promise<{ starter?: unknown; hints?: unknown }>;
      })
      .then((d) => {
        const starter = d.starter;
        if (!starter || typeof starter !== "object" || !Object.values(starter).every((v) => typeof v === "string") || Object.keys(starter).length === 0) {
          throw new Error("the exercise's starter files are malformed");
        }
        if (live) setData({ starter: starter as Files, hints: Array.isArray(d.hints) ? (d.hints as Hint[]) : [] });
      })
      .catch((e: unknown) => live && setError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [dataUrl]);
  if (error) return <p className="wb-error" role="alert">The workbench could not start: {error}. Reload the page to try again.</p>;
  if (!data) return <p className="wb-muted wb-loading">Loading the exercise…</p>;
  return <LoadedWorkbench exercise={exercise} title={title} dtsUrl={dtsUrl} starter={data.starter} hints={data.hints} />;
}

function LoadedWorkbench({ exercise, title, starter, dtsUrl, hints }: LoadedProps) {
  const names = useMemo(() => Object.keys(starter), [starter]);
  const drafts = useMemo(() => new Drafts(window.localStorage, exercise, starter), [exercise, starter]);
  const [files, setFiles] = useState<Files>(() => drafts.load());
  const [active, setActive] = useState(names[0]!);
  const [monaco, setMonaco] = useState<typeof Monaco | null>(null);
  const [loadError, setLoadError] = useState<string | null>(null);
  const [view, setView] = useState<"edit" | "diff">("edit");
  const [hasCopy, setHasCopy] = useState(() => drafts.previous() !== null);
  const [choice, setChoice] = useState<Choice | null>(null);
  const [console_, setConsole] = useState("");
  const [running, setRunning] = useState(false);
  const [runResults, setRunResults] = useState<Results | null>(null);
  const [runError, setRunError] = useState<string | null>(null);
  const [phase, setPhase] = useState<SubmitPhase>("idle");
  const [verdict, setVerdict] = useState<Results | null>(null);
  const [submitError, setSubmitError] = useState<string | null>(null);
  const [inspect, setInspect] = useState<TestResult | null>(null);
  /** The last graded submission: its id is the proof of full marks the server checks before sending the reference solution. */
  const submitted = useRef<{ id: string; files: Files } | null>(null);
  const [solution, setSolution] = useState<{ files: Files; yours: Files } | null>(null);
  const [solutionError, setSolutionError] = useState<string | null>(null);
  const [solutionLoading, setSolutionLoading] = useState(false);
  const [replayNote, setReplayNote] = useState<string | undefined>();
  const [syncState, setSyncState] = useState<SyncState>({ kind: "off" });
  const monacoRef = useRef<typeof Monaco | null>(null);
  monacoRef.current = monaco;
  const editorRef = useRef<Monaco.editor.IStandaloneCodeEditor | null>(null);
  const decorations = useRef<Monaco.editor.IEditorDecorationsCollection | null>(null);
  const theme = useTheme();

  useEffect(() => {
    let live = true;
    fetch(dtsUrl)
      .then((r) => {
        if (!r.ok) throw new Error(`the simulator's typings could not be loaded (${r.status})`);
        return r.text();
      })
      .then((dts) => setupMonaco(dts))
      .then((m) => live && setMonaco(m))
      .catch((e: unknown) => live && setLoadError(e instanceof Error ? e.message : String(e)));
    return () => {
      live = false;
    };
  }, [dtsUrl]);

  const [choiceMs, setChoiceMs] = useState<number | null>(null);
  /**
   * Where the public tests run is decided on the first Run, not when the page
   * opens: the WebContainer probe contacts its host, and merely reading a
   * lesson must send no request to another site. Later runs reuse the choice.
   */
  const choosing = useRef<Promise<Choice> | null>(null);
  const ensureRunner = useCallback((): Promise<Choice> => {
    choosing.current ??= (() => {
      const t0 = performance.now();
      return chooseRunner({
        makeWorker: () => new WorkerRunner(() => new Worker("/workbench/runner.js", { type: "module" })),
        bootContainer: () => bootWebContainer("/workbench/runner-node.mjs"),
        crossOriginIsolated: window.crossOriginIsolated === true,
        probe: () => probeWebContainerHost(),
      }).then((c) => {
        setChoice(c);
        setChoiceMs(Math.round(performance.now() - t0));
        return c;
      });
    })();
    return choosing.current;
  }, []);

  // A signed-in learner's draft is also kept in their account (draft-sync.ts).
  const sync = useMemo(
    () =>
      new DraftSync({
        exercise,
        starter,
        store: window.localStorage,
        fetch: (...a) => fetch(...a),
        apply: (f) => {
          drafts.save(f);
          setFiles(f);
          const m = monacoRef.current;
          for (const n of Object.keys(f)) m?.editor.getModel(fileUri(m, exercise, n))?.setValue(f[n]!);
        },
        keepCopy: (f) => {
          drafts.keep(f);
          setHasCopy(true);
        },
        onState: setSyncState,
      }),
    [exercise, starter, drafts],
  );
  useEffect(() => {
    void sync.start(drafts.load());
    const leave = () => void sync.flush();
    window.addEventListener("pagehide", leave);
    return () => {
      window.removeEventListener("pagehide", leave);
      sync.stop();
    };
  }, [sync, drafts]);

  const update = useCallback(
    (name: string, text: string) => {
      setFiles((prev) => {
        const next = { ...prev, [name]: text };
        drafts.save(next);
        sync.edited(next);
        return next;
      });
    },
    [drafts, sync],
  );

  const onMount: OnMount = (editor) => {
    editorRef.current = editor;
    decorations.current = editor.createDecorationsCollection([]);
  };

  const highlight = useCallback(
    (loc: { file: string; line: number } | null) => {
      const ed = editorRef.current;
      if (!ed || !monaco) return;
      if (!loc) {
        decorations.current?.clear();
        return;
      }
      if (names.includes(loc.file) && loc.file !== active) setActive(loc.file);
      const apply = () => {
        decorations.current?.set([
          { range: new monaco.Range(loc.line, 1, loc.line, 1), options: { isWholeLine: true, className: "wb-line-current", linesDecorationsClassName: "wb-line-gutter" } },
        ]);
        ed.revealLineInCenterIfOutsideViewport(loc.line);
      };
      // After a tab switch the model changes on the next render.
      setTimeout(apply, 0);
    },
    [monaco, names, active],
  );

  const compile = async () => {
    if (!monaco) throw new Error("the editor is still loading");
    return emit(monaco, exercise, names);
  };

  const runInBrowser = async (req: (compiled: Awaited<ReturnType<typeof compile>>) => RunRequest): Promise<Results | null> => {
    setRunning(true);
    setRunError(null);
    setConsole("");
    try {
      const [chosen, compiled] = await Promise.all([ensureRunner(), compile()]);
      return await chosen.runner.run(req(compiled), { output: (t) => setConsole((c) => (c + t).slice(-20_000)) });
    } catch (e) {
      setRunError(e instanceof RunStopped ? e.message : `The run failed: ${e instanceof Error ? e.message : String(e)}`);
      return null;
    } finally {
      setRunning(false);
    }
  };

  const run = async () => {
    const r = await runInBrowser((compiled) => ({ type: "run", exercise, title, files: compiled }));
    if (r) {
      setRunResults(r);
      const failed = r.tests.find((t) => !t.passed && t.trace?.length);
      if (failed) {
        setInspect(failed);
        setReplayNote(undefined);
      }
    }
  };

  const replay = async () => {
    if (!inspect?.replay || !inspect.scenario) return;
    const t = inspect;
    const r = await runInBrowser((compiled) => ({ type: "replay", exercise, title, files: compiled, test: t.name, scenario: t.scenario!, token: t.replay! }));
    const rt = r?.tests[0];
    if (!rt) return;
    const refit = rt.replay !== t.replay; // the schedule no longer fit the changed code: the scenario was explored again
    if (rt.passed) {
      setReplayNote(
        refit
          ? `Your code changed, so the schedule ${t.replay} no longer applies; every interleaving of this scenario (${rt.executions ?? 1} explored) now runs clean.`
          : `Replayed ${t.replay}: this schedule now runs clean against your current code.`,
      );
    } else if (refit && rt.replay) {
      setInspect(rt);
      setReplayNote(`Your code changed, so the schedule ${t.replay} no longer applies; another interleaving of this scenario still fails (shown).`);
    } else if (rt.report?.kind === "nondeterminism") {
      setReplayNote(`Replayed ${t.replay}: the schedule no longer fits your code (it now stops at different points, so this interleaving cannot happen the same way). Run the tests to explore every interleaving again.`);
    } else {
      setInspect(rt);
      setReplayNote(`Replayed ${t.replay} against your current code: it still fails.`);
    }
  };

  const submit = async () => {
    setPhase("sending");
    setSubmitError(null);
    setVerdict(null);
    setSolution(null);
    setSolutionError(null);
    const sent = files;
    try {
      const { id, results } = await submitAndWait(exercise, sent, {
        fetch: (...a) => fetch(...a),
        sleep: (ms) => new Promise((r) => setTimeout(r, ms)),
        onStatus: setPhase,
      });
      submitted.current = { id, files: sent };
      setVerdict(results);
      setPhase("done");
      const failed = results.tests.find((t) => !t.passed && t.trace?.length);
      setInspect(failed ?? null);
      setReplayNote(undefined);
    } catch (e) {
      setPhase("error");
      setSubmitError(e instanceof Error ? e.message : String(e));
    }
  };

  /** Asks the server for the reference solution; it answers only if that submission's stored results are full marks. */
  const showSolution = async () => {
    const last = submitted.current;
    if (!last) return;
    const yours = last.files;
    setSolutionLoading(true);
    setSolutionError(null);
    try {
      const res = await fetch(`/api/solution/${encodeURIComponent(exercise)}`, {
        method: "POST",
        headers: { "content-type": "application/json" },
        credentials: "same-origin",
        body: JSON.stringify({ submissionId: last.id }),
      });
      const body = (await res.json().catch(() => null)) as { files?: Files; error?: string } | null;
      if (!res.ok || !body?.files) throw new Error(body?.error ?? `the server answered ${res.status}`);
      setSolution({ files: body.files, yours });
    } catch (e) {
      setSolutionError(e instanceof Error ? e.message : String(e));
    } finally {
      setSolutionLoading(false);
    }
  };

  const reset = () => {
    if (!window.confirm("Start over from the starter code? Your current draft is kept as a copy you can restore.")) return;
    const fresh = drafts.reset(files);
    setFiles(fresh);
    sync.edited(fresh);
    setHasCopy(drafts.previous() !== null);
    monaco?.editor.getModel(fileUri(monaco, exercise, active))?.setValue(fresh[active]!);
  };

  const restore = () => {
    const back = drafts.restore(files);
    if (!back) return;
    setFiles(back);
    sync.edited(back);
    setHasCopy(drafts.previous() !== null);
    for (const n of names) monaco?.editor.getModel(fileUri(monaco, exercise, n))?.setValue(back[n]!);
  };

  const failure = inspect;
  const offered = failure ? hintsFor(hints, failure.report?.kind, failure.scenario) : [];
  const isPublicFailure = failure ? !failure.hidden : false;

  return (
    <div className="workbench" data-testid="workbench">
      <div className="wb-tabs">
        <span role="tablist" aria-label="Files" className="wb-tablist">
          {names.map((n) => (
            <button key={n} role="tab" type="button" aria-selected={n === active} className="wb-tab" onClick={() => setActive(n)}>
              {n}
              {files[n] !== starter[n] ? <span className="wb-dirty" title="changed from the starter"> •</span> : null}
            </button>
          ))}
        </span>
        <span className="wb-spacer" />
        <button type="button" className="wb-small" aria-pressed={view === "diff"} onClick={() => setView(view === "diff" ? "edit" : "diff")}>
          {view === "diff" ? "Back to editing" : "Diff with starter"}
        </button>
        <button type="button" className="wb-small" onClick={reset}>Reset…</button>
        {hasCopy ? <button type="button" className="wb-small" onClick={restore}>Restore copy</button> : null}
      </div>
      {/* Above the editor, so a conflict between two devices' copies is seen before more is typed. */}
      <DraftSyncBar state={syncState} onResolve={(c) => void sync.resolve(c)} />
      <div className="wb-editor" data-ready={monaco ? "true" : "false"} data-testid="editor">
        {loadError ? (
          <p className="wb-error">{loadError}</p>
        ) : !monaco ? (
          <p className="wb-muted wb-loading">Loading the editor…</p>
        ) : view === "diff" ? (
          <DiffEditor
            original={starter[active]}
            modified={files[active]}
            language="typescript"
            theme={theme}
            originalModelPath={`file:///starter/${exercise}/${active}`}
            modifiedModelPath={`file:///diff/${exercise}/${active}`}
            options={{ readOnly: true, renderSideBySide: false, minimap: { enabled: false }, automaticLayout: true }}
          />
        ) : (
          <Editor
            path={fileUri(monaco, exercise, active).toString()}
            defaultLanguage="typescript"
            defaultValue={files[active]}
            theme={theme}
            onMount={onMount}
            onChange={(v) => update(active, v ?? "")}
            options={{ minimap: { enabled: false }, fontSize: 13, scrollBeyondLastLine: false, automaticLayout: true, tabSize: 2, fixedOverflowWidgets: true }}
          />
        )}
      </div>
      <div className="wb-actions">
        <button type="button" className="wb-primary" onClick={() => void run()} disabled={!monaco || running}>
          {running ? "Running…" : "Run public tests"}
        </button>
        <button type="button" className="wb-primary wb-submit" onClick={() => void submit()} disabled={phase === "sending" || phase === "queued" || phase === "grading"}>
          Submit
        </button>
        <span className="wb-status" data-testid="submit-status" aria-live="polite">
          {phase === "sending" ? "sending…" : phase === "queued" ? "queued…" : phase === "grading" ? "grading…" : phase === "done" ? "graded" : ""}
        </span>
      </div>
      <p className="wb-runner" data-testid="runner-choice" data-choice-ms={choiceMs ?? undefined}>{choice ? `Runs in: ${choice.why}${choiceMs !== null ? ` (chosen in ${choiceMs} ms)` : ""}` : running ? "Choosing where to run the tests…" : "Where the tests run is chosen on the first run."}</p>
      {runError ? <p className="wb-error" role="alert">{runError}</p> : null}
      {submitError ? <p className="wb-error" role="alert">Submission not graded: {submitError}</p> : null}
      {console_ ? (
        <details className="wb-console" open>
          <summary>Console</summary>
          <pre data-testid="console">{console_}</pre>
        </details>
      ) : null}
      {runResults ? <ResultList title="Public tests (in your browser)" results={runResults} onInspect={setInspect} testid="run-results" /> : null}
      {verdict ? <Verdict results={verdict} onInspect={setInspect} /> : null}
      {verdict && verdict.gradable && verdict.score >= 1 && !solution ? (
        <p>
          <button type="button" className="wb-small" data-testid="show-solution" onClick={() => void showSolution()} disabled={solutionLoading}>
            {solutionLoading ? "Checking your full marks…" : "Compare with the reference solution"}
          </button>
        </p>
      ) : null}
      {solutionError ? <p className="wb-error" role="alert">The reference solution is not available: {solutionError}</p> : null}
      {solution && monaco ? (
        <section className="wb-solution" data-testid="solution" aria-label="Reference solution">
          <h3>The reference solution, as changes to your submitted {active}</h3>
          <div className="wb-editor wb-solution-diff">
            <DiffEditor
              original={solution.yours[active] ?? ""}
              modified={solution.files[active] ?? ""}
              language="typescript"
              theme={theme}
              originalModelPath={`file:///submitted/${exercise}/${active}`}
              modifiedModelPath={`file:///reference/${exercise}/${active}`}
              options={{ readOnly: true, renderSideBySide: true, minimap: { enabled: false }, automaticLayout: true }}
            />
          </div>
        </section>
      ) : null}
      {failure?.trace?.length ? (
        <section className="wb-failure" aria-label="Failing interleaving">
          <h3>
            {failure.name}
            {failure.scenario ? <span className="wb-muted"> · {failure.scenario}</span> : null}
          </h3>
          {failure.models ? <p className="wb-muted">{failure.models}</p> : null}
          <Timeline
            test={failure}
            onLocation={highlight}
            {...(isPublicFailure ? { onReplay: () => void replay() } : {})}
            replayNote={replayNote ?? (isPublicFailure ? undefined : "This schedule belongs to a hidden test: submit again to check a fix against it.")}
          />
        </section>
      ) : null}
      {failure && offered.length ? <Hints hints={offered} /> : null}
    </div>
  );
}

function ResultList({ title, results, onInspect, testid }: { title: string; results: Results; onInspect: (t: TestResult) => void; testid: string }) {
  return (
    <section className="wb-results" data-testid={testid}>
      <h3>{title}</h3>
      <p>{results.message}</p>
      <ul>
        {results.tests.map((t) => (
          <li key={`${t.group}/${t.name}`} className={t.passed ? "pass" : "fail"}>
            <span className="mark" aria-hidden>{t.passed ? "✓" : "✗"}</span>
            <span className="name">{t.name}</span>
            {t.hidden ? <span className="tag">hidden</span> : null}
            <span className="pts">{fmtPts(t.points)}/{fmtPts(t.max_points)}</span>
            {!t.passed ? <span className="msg">{t.scenario ? `${t.scenario}: ` : ""}{t.report?.title ?? t.message}</span> : null}
            {!t.passed && t.trace?.length ? (
              <button type="button" className="wb-small" onClick={() => onInspect(t)}>Step through</button>
            ) : null}
          </li>
        ))}
      </ul>
    </section>
  );
}

function Verdict({ results, onInspect }: { results: Results; onInspect: (t: TestResult) => void }) {
  if (!results.gradable) {
    return (
      <section className="wb-results" data-testid="verdict">
        <h3>Not graded (this costs no attempt)</h3>
        <pre className="wb-compile">{results.message}</pre>
      </section>
    );
  }
  const full = results.score >= 1;
  return (
    <div data-testid="verdict">
      <p className={`wb-score ${full ? "full" : ""}`}>
        Score <strong data-testid="score">{Math.round(results.score * 100)}%</strong> · {fmtPts(results.points)} of {fmtPts(results.max_points)} points
        {full ? " — full marks." : ""}
      </p>
      <ResultList title="Verdict" results={results} onInspect={onInspect} testid="verdict-tests" />
    </div>
  );
}

function Hints({ hints }: { hints: Hint[] }) {
  const [shown, setShown] = useState(1);
  return (
    <section className="wb-hints" aria-label="Hints" data-testid="hints">
      <h3>Hints</h3>
      <ol>
        {hints.slice(0, shown).map((h, i) => (
          <li key={i}>{h.text}</li>
        ))}
      </ol>
      {shown < hints.length ? (
        <button type="button" className="wb-small" onClick={() => setShown(shown + 1)}>A more specific hint</button>
      ) : null}
    </section>
  );
}

function fmtPts(x: number): string {
  return String(Math.round(x * 100) / 100);
}
