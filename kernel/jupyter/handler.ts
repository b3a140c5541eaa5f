/**
 * The kernel's request handler: tslab's executor and completion/inspection, plus the protocol parts tslab lacks
 * (status in kernel_info_reply, execute_input, execute_result, error messages with ename/evalue/traceback,
 * "invalid" from is_complete, an interrupt that stops training first).
 */
import type { CellIo } from "./cell-io";
import { streamWriter } from "./cell-io";
import { errorFromOutcome, type ErrorContent } from "./error-content";
import { ExecutionCapture } from "./execution-capture";
import type { InterruptTarget, RunState } from "./interrupt-bridge";
import { isComplete } from "./is-complete";
import { resultText } from "./result-text";
import { type Executor, printQuickInfo, setCellDisplayWriter } from "./tslab-internals";

export interface ExecuteRequest {
  code: string;
  silent?: boolean;
  store_history?: boolean;
  stop_on_error?: boolean;
}

export type ExecuteReply =
  | { status: "ok"; execution_count: number; payload: object[]; user_expressions: object }
  | ({ status: "error"; execution_count: number } & ErrorContent)
  | { status: "abort"; execution_count: number };

const INTERRUPTED: ErrorContent = {
  ename: "TrainingInterrupted",
  evalue: "training stopped at a batch boundary by a kernel interrupt",
  traceback: ["TrainingInterrupted: training stopped at a batch boundary by a kernel interrupt"],
};

export class LightningHandler implements InterruptTarget {
  private executionCount = 0;
  /** Execute requests run one after another; `tail` is the last one queued. */
  private tail: Promise<unknown> = Promise.resolve();
  private queued = 0;
  /** Requests with a ticket up to this one were queued behind a failed cell and are aborted (stop_on_error). */
  private abortThrough = 0;
  private running: RunState | undefined;

  constructor(
    private readonly executor: Executor,
    private readonly capture: ExecutionCapture,
    private readonly isJs = false,
  ) {}

  handleKernel() {
    return {
      status: "ok",
      protocol_version: "5.3",
      implementation: "tslab-lightning",
      implementation_version: "0.1.0",
      language_info: this.isJs
        ? { name: "javascript", version: "", mimetype: "text/javascript", file_extension: ".js" }
        : {
            name: "typescript",
            version: "5.0.4",
            mimetype: "text/typescript",
            file_extension: ".ts",
            // The combination tslab found to switch on TypeScript highlighting in both Notebook and JupyterLab.
            codemirror_mode: { mode: "typescript", name: "javascript", typescript: true },
          },
      banner: "TypeScript (tslab-lightning): Lightning's Trainer on TensorFlow.js",
      help_links: [] as { text: string; url: string }[],
    };
  }

  private prelude: { source: () => string; prepare: () => Promise<void>; done?: Promise<boolean> } | undefined;

  /**
   * Code run silently before the first cell (the prelude); its diagnostics go to the kernel's own log. Compiling it
   * blocks the process for seconds, so it starts on the first request that needs it, or after `idleMs` — not before
   * the kernel has answered kernel_info.
   */
  setPrelude(source: () => string, prepare: () => Promise<void>, idleMs: number): void {
    this.prelude = { source, prepare };
    setTimeout(() => void this.ensurePrelude(), idleMs).unref();
  }

  private ensurePrelude(): Promise<boolean> | undefined {
    const prelude = this.prelude;
    if (!prelude || prelude.done) return prelude?.done;
    return (prelude.done = this.enqueue(async () => {
      const code = prelude.source();
      await prelude.prepare().catch((e) => console.error("[tslab-lightning] backend setup failed:", e));
      this.capture.begin();
      const ok = await this.executor.execute(code);
      const outcome = this.capture.end();
      if (!ok) console.error("[tslab-lightning] prelude failed:", errorFromOutcome(outcome).traceback.join("\n"));
      return ok;
    }));
  }

  handleExecute(req: ExecuteRequest, io: CellIo): Promise<ExecuteReply> {
    void this.ensurePrelude();
    const ticket = this.queued + 1;
    return this.enqueue(() =>
      ticket <= this.abortThrough
        ? Promise.resolve<ExecuteReply>({ status: "abort", execution_count: this.executionCount })
        : this.execute(req, io),
    );
  }

  private enqueue<T>(task: () => Promise<T>): Promise<T> {
    this.queued++;
    const result = this.tail.then(task);
    this.tail = result.catch(() => undefined);
    return result;
  }

  private async execute(req: ExecuteRequest, io: CellIo): Promise<ExecuteReply> {
    const silent = req.silent === true;
    const count = silent || req.store_history === false ? this.executionCount : ++this.executionCount;
    process.stdout.write = streamWriter("stdout", io);
    process.stderr.write = streamWriter("stderr", io);
    setCellDisplayWriter(io.writeDisplayData);
    if (!silent) io.publish("execute_input", { code: req.code, execution_count: count });

    const run: RunState = { interruptRequested: false, fitsSignalled: false };
    this.running = run;
    this.capture.begin();
    let ok: boolean;
    try {
      ok = await this.executor.execute(req.code);
    } finally {
      this.running = undefined;
    }
    const outcome = this.capture.end();

    const failure = run.fitsSignalled ? INTERRUPTED : ok ? undefined : errorFromOutcome(outcome);
    if (failure) {
      io.publish("error", failure);
      if (req.stop_on_error !== false) this.abortThrough = this.queued;
      return { status: "error", execution_count: count, ...failure };
    }
    // A module cell (`//@module`) reports type errors but still succeeds: show them as text.
    for (const line of outcome.diagnostics) io.writeStream("stderr", line + "\n");
    if (outcome.result && !silent) {
      io.publish("execute_result", {
        execution_count: count,
        data: { "text/plain": await resultText(outcome.result.value) },
        metadata: {},
      });
    }
    return { status: "ok", execution_count: count, payload: [], user_expressions: {} };
  }

  currentRun(): RunState | undefined {
    return this.running;
  }

  interruptCell(): void {
    this.executor.interrupt();
  }

  handleIsComplete(req: { code: string }) {
    return isComplete(req.code);
  }

  handleInspect(req: { code: string; cursor_pos: number }) {
    void this.ensurePrelude(); // its declarations count from the next request on
    const info = this.executor.inspect(req.code, req.cursor_pos);
    if (!info) return { status: "ok", found: false, data: {}, metadata: {} };
    return { status: "ok", found: true, data: { "text/plain": printQuickInfo(info) }, metadata: {} };
  }

  handleComplete(req: { code: string; cursor_pos: number }) {
    void this.ensurePrelude();
    const info = this.executor.complete(req.code, req.cursor_pos);
    return { status: "ok", matches: info.candidates, cursor_start: info.start, cursor_end: info.end, metadata: {} };
  }

  handleShutdown(_req: { restart: boolean }) {
    return { status: "ok", restart: false };
  }

  close(): void {
    this.executor.close();
  }
}
