/**
 * What the live-chart integration tests (kernel, nbclient, browser) share: a throwaway Jupyter environment with our
 * kernelspec (installed by our own CLI), and the notebook cells they run — a small MLP on real MNIST digits
 * (`loadMnist`), trained by our Trainer on the kernel's default backend with the default live chart.
 */
import { spawnSync } from "node:child_process";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { KERNEL_NAME, type JupyterEnv, PROJECT_ROOT, PYTHON } from "../kernel/kernel-harness";

export { KERNEL_NAME, type JupyterEnv, makeJupyterEnv, PROJECT_ROOT, PYTHON } from "../kernel/kernel-harness";
export const SOURCE_DIR = join(PROJECT_ROOT, "test", "integration");
/** Where screenshots and executed notebooks go (git-ignored). */
export const OUTPUT_DIR = join(PROJECT_ROOT, "test-output");

// ---- iopub timeline (iopub_timeline.py) ----

export interface TimelineRequest {
  code: string;
  timeout?: number;
  interrupt_after?: { msg_type: string; count: number };
  settle?: number;
}

export interface TimedMessage {
  t: number;
  msg_type: string;
  foreign: boolean;
  bytes: number;
  display_id?: string;
  mimes?: string[];
  mime_bytes?: Record<string, number>;
  text?: string | null;
  name?: string;
  state?: string;
  ename?: string;
  evalue?: string;
  after_idle?: boolean;
}

export interface TimelineResult {
  reply: Record<string, any> | null;
  timed_out: boolean;
  seconds: number;
  interrupted_at: number | null;
  messages: TimedMessage[];
}

export interface Timeline {
  results: TimelineResult[];
  alive_at_end: boolean;
}

/** Starts a kernel in `cwd`, runs the cells one after another, records every iopub message, shuts it down. */
export function runTimeline(jupyter: JupyterEnv, cwd: string, requests: TimelineRequest[]): Timeline {
  const resultFile = join(jupyter.dir, `timeline-${Date.now()}.json`);
  const run = spawnSync(PYTHON, [join(SOURCE_DIR, "iopub_timeline.py"), resultFile], {
    cwd,
    env: jupyter.env,
    input: JSON.stringify({ kernel_name: KERNEL_NAME, cwd, requests }),
    encoding: "utf8",
    maxBuffer: 256 * 1024 * 1024,
  });
  if (run.status !== 0) throw new Error(`iopub_timeline.py exited ${run.status}: ${run.stderr}`);
  return JSON.parse(readFileSync(resultFile, "utf8")) as Timeline;
}

export function stdoutOf(r: TimelineResult): string {
  return r.messages.filter((m) => !m.foreign && m.msg_type === "stream" && m.name === "stdout").map((m) => m.text).join("");
}

// ---- cells ----

/**
 * Defines `loader` (2048 real MNIST digits, batch 64), `Mlp` (784-64-10, Adam; `failAt` makes trainingStep throw at
 * that step), `StopAfter` (sets `trainer.shouldStop` once `ms` have passed since fit start; records the first step it
 * saw) and `quiet` trainer options (no logger/checkpoints/summary; the live chart stays on, as by default).
 */
export const SETUP_CELL = `
import { tf, LightningModule, Trainer, DataLoader, Callback, loadMnist, mnistTensors } from "tslab-lightning";
const digits = mnistTensors(loadMnist({ seed: 0, limit: 2048 }));
const loader = new DataLoader({ x: digits.x, y: digits.y }, { batchSize: 64, shuffle: true, seed: 0 });
class Mlp extends LightningModule {
  net = tf.sequential({ layers: [
    tf.layers.dense({ units: 64, activation: "relu", inputShape: [784] }),
    tf.layers.dense({ units: 10 }),
  ] });
  constructor(public failAt = -1) { super(); }
  configureOptimizers() { return tf.train.adam(1e-3); }
  trainingStep(batch: { x: tf.Tensor; y: tf.Tensor }) {
    if (this.failAt >= 0 && this.trainer.globalStep >= this.failAt) throw new Error("boom at step " + this.trainer.globalStep);
    const loss = tf.losses.softmaxCrossEntropy(batch.y, this.net.apply(batch.x) as tf.Tensor) as tf.Scalar;
    this.log("loss", loss, { progBar: true });
    return loss;
  }
}
class StopAfter extends Callback {
  startedAt = 0;
  firstStep = -1;
  constructor(public ms: number) { super(); }
  onFitStart() { this.startedAt = Date.now(); this.firstStep = -1; }
  onTrainBatchStart(trainer: Trainer) { if (this.firstStep < 0) this.firstStep = trainer.globalStep; }
  onTrainBatchEnd(trainer: Trainer) { if (Date.now() - this.startedAt >= this.ms) trainer.shouldStop = true; }
}
const quiet = { maxEpochs: 100000, logger: false, enableCheckpointing: false, enableModelSummary: false } as const;
console.log("setup done, backend " + tf.getBackend());
`;

/** A fit of about `ms` milliseconds; prints `{"steps": …, "interrupted": …}`. */
export function trainCell(ms: number, name = "t1"): string {
  return `
const ${name} = new Trainer({ ...quiet, callbacks: [new StopAfter(${ms})] });
await ${name}.fit(new Mlp(), loader);
console.log(JSON.stringify({ steps: ${name}.globalStep, interrupted: ${name}.interrupted }));
`;
}
