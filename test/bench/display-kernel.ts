/**
 * Benchmark (issue 3, kernel side): the cost of the live display on the GAN of notebook 02 (MLP G 64-256-512-784,
 * D 784-512-256-1, manual optimization with two Adams and toggling, batch 64, real MNIST digits, `logImages` every 20
 * batches) trained by our Trainer in plain node, with the display forced on (a LiveChart writing to a MemorySink on
 * the real clock) vs off (`live: false`). Per-step time = median of batch-start-to-batch-start wall times, warm-up
 * dropped; reps interleaved off/on; ratio = median of rep medians (target ≤ 1.03×). Then a timed run with the
 * display on gives messages/s and bytes/s as sent, and a simulated 100 000-step run gives the saved-output size.
 *   node dist/test/bench/display-kernel.js [--reps 5] [--batches 60] [--seconds 8]
 */
import { performance } from "node:perf_hooks";
import { tf, LightningModule, Trainer, DataLoader, Callback, selectBackend } from "../../kernel";
import { loadMnist, mnistTensors } from "../../kernel/data";
import { LiveChart } from "../../kernel/display/live-chart";
import { MemorySink } from "../../kernel/display/memory-sink";
import { ManualScheduler } from "../../kernel/display/scheduler";
import { clearRuns } from "../../kernel/display/run-registry";
import { simulateFit } from "../display/simulated-fit";
import { fixed, formatTable, median } from "./backend-stats";
import { arg } from "./bench-args";

const QUICK = !!process.env.BENCH_QUICK;
const REPS = Number(arg("reps", QUICK ? "2" : "5"));
const BATCHES = Number(arg("batches", QUICK ? "20" : "60"));
const SECONDS = Number(arg("seconds", QUICK ? "4" : "8"));
const WARMUP = 3;
const Z = 64;
const HIDDEN = 256;

const dense = (units: number, extra: Record<string, unknown> = {}) => tf.layers.dense({ units, ...extra });
const lrelu = () => tf.layers.leakyReLU({ alpha: 0.2 });

class Gan extends LightningModule {
  G = tf.sequential({ layers: [dense(HIDDEN, { inputShape: [Z] }), lrelu(), dense(HIDDEN * 2), lrelu(), dense(784, { activation: "tanh" })] });
  D = tf.sequential({ layers: [dense(HIDDEN * 2, { inputShape: [784] }), lrelu(), dense(HIDDEN), lrelu(), dense(1)] });
  fixedZ = tf.randomNormal([64, Z]);
  constructor() {
    super();
    this.automaticOptimization = false;
  }
  configureOptimizers() {
    return [{ optimizer: tf.train.adam(2e-4, 0.5), params: this.G }, { optimizer: tf.train.adam(2e-4, 0.5), params: this.D }];
  }
  trainingStep(batch: { x: tf.Tensor }, batchIdx: number) {
    const [gOpt, dOpt] = this.optimizers();
    const real = batch.x;
    const n = real.shape[0];
    const fake = this.G.apply(tf.randomNormal([n, Z])) as tf.Tensor;
    const dOfX = tf.sigmoid(this.D.apply(real) as tf.Tensor).mean();
    const dOfGz = tf.sigmoid(this.D.apply(fake) as tf.Tensor).mean();
    this.toggleOptimizer(dOpt);
    const dLoss = this.manualBackward(() => {
      const r = this.D.apply(real) as tf.Tensor;
      const f = this.D.apply(fake) as tf.Tensor;
      return tf.add(tf.losses.sigmoidCrossEntropy(tf.fill(r.shape, 0.9), r), tf.losses.sigmoidCrossEntropy(tf.zerosLike(f), f)) as tf.Scalar;
    });
    dOpt.step();
    dOpt.zeroGrad();
    this.untoggleOptimizer(dOpt);
    this.toggleOptimizer(gOpt);
    const gLoss = this.manualBackward(() => {
      const logits = this.D.apply(this.G.apply(tf.randomNormal([n, Z]))) as tf.Tensor;
      return tf.losses.sigmoidCrossEntropy(tf.onesLike(logits), logits) as tf.Scalar;
    });
    gOpt.step();
    gOpt.zeroGrad();
    this.untoggleOptimizer(gOpt);
    if (batchIdx % 20 === 0) this.logImages("G(fixed z)", (this.G.apply(this.fixedZ) as tf.Tensor).reshape([64, 28, 28]));
    return { losses: { G: gLoss, D: dLoss }, "D output": { "D(x)": dOfX, "D(G(z))": dOfGz } };
  }
  disposeAll(trainer: Trainer) {
    for (const v of this.allVariables()) v.dispose();
    this.fixedZ.dispose();
    for (const o of trainer.optimizers) o.dispose();
  }
}

class StepTimes extends Callback {
  times: number[] = [];
  private last = 0;
  constructor(private readonly stopAfterMs = Infinity) {
    super();
  }
  private started = 0;
  onFitStart() {
    this.started = performance.now();
  }
  onTrainBatchStart() {
    const now = performance.now();
    if (this.last) this.times.push(now - this.last);
    this.last = now;
  }
  onTrainBatchEnd(trainer: Trainer) {
    if (performance.now() - this.started >= this.stopAfterMs) trainer.shouldStop = true;
  }
}

/** A LiveChart that adds up the wall time spent in its own per-batch hooks (robust to load, unlike step medians). */
class TimedLiveChart extends LiveChart {
  hookMs = 0;
  batches = 0;
  onBatchScalars(...a: Parameters<LiveChart["onBatchScalars"]>): void {
    const t0 = performance.now();
    super.onBatchScalars(...a);
    this.hookMs += performance.now() - t0;
    this.batches++;
  }
  async onBatchImages(...a: Parameters<LiveChart["onBatchImages"]>): Promise<void> {
    const t0 = performance.now();
    await super.onBatchImages(...a);
    this.hookMs += performance.now() - t0;
  }
}

const base = { logger: false, enableCheckpointing: false, enableModelSummary: false, enableProgressBar: false, live: false } as const;

async function fitOnce(x: tf.Tensor, display: boolean, limit: { batches?: number; ms?: number }) {
  clearRuns();
  const timer = new StepTimes(limit.ms);
  const sink = new MemorySink(() => performance.now());
  const callbacks: Callback[] = [timer];
  const chart = display ? new TimedLiveChart({ name: "GAN on MNIST", maxFps: 2 }, { sink }) : null;
  if (chart) callbacks.push(chart);
  const trainer = new Trainer({ ...base, maxEpochs: limit.ms ? 1000 : 1, limitTrainBatches: limit.batches ?? null, callbacks });
  const module = new Gan();
  const t0 = performance.now();
  await trainer.fit(module, new DataLoader({ x }, { batchSize: 64, shuffle: true, dropLast: true, seed: 0 }));
  const seconds = (performance.now() - t0) / 1000;
  module.disposeAll(trainer);
  const hookMsPerBatch = chart && chart.batches ? chart.hookMs / chart.batches : 0;
  return { times: timer.times.slice(WARMUP), sink, seconds, steps: trainer.globalStep, hookMsPerBatch };
}

const kb = (bytes: number) => fixed(bytes / 1024, 1);

async function main() {
  const report = await selectBackend({ quiet: true });
  const digits = loadMnist({ seed: 0, limit: 64 * Math.max(BATCHES, 64) });
  const { x, y } = mnistTensors(digits, { range: "tanh" });
  y.dispose();

  // 1. Step time, display off vs on, interleaved.
  const off: number[] = [];
  const on: number[] = [];
  const hook: number[] = [];
  await fitOnce(x, false, { batches: 8 }); // warm-up: kernels compiled, wasm heap grown
  for (let r = 0; r < REPS; r++) {
    off.push(median((await fitOnce(x, false, { batches: BATCHES })).times));
    const withDisplay = await fitOnce(x, true, { batches: BATCHES });
    on.push(median(withDisplay.times));
    hook.push(withDisplay.hookMsPerBatch);
  }
  const mOff = median(off);
  const mOn = median(on);

  // 2. What the display sends during a timed run (live frames; the final frames are counted apart).
  const timed = await fitOnce(x, true, { ms: SECONDS * 1000 });
  const msgs = timed.sink.messages;
  const ids = timed.sink.displayIds();
  const chartId = ids[0];
  const chart = timed.sink.forDisplay(chartId);
  const chartLive = chart.slice(0, -1);
  const images = ids.length > 1 ? timed.sink.forDisplay(ids[1]) : [];
  const liveBytes = chartLive.reduce((a, m) => a + m.bytes, 0) + images.reduce((a, m) => a + m.bytes, 0);
  const liveCount = chartLive.length + images.length;
  let worstCount = 0;
  let worstBytes = 0;
  const live = msgs.filter((m) => m !== chart[chart.length - 1]);
  for (let i = 0; i < live.length; i++) {
    let c = 0;
    let b = 0;
    for (let j = i; j < live.length && live[j].at < live[i].at + 1000; j++) {
      c++;
      b += live[j].bytes;
    }
    worstCount = Math.max(worstCount, c);
    worstBytes = Math.max(worstBytes, b);
  }
  const finalChart = chart[chart.length - 1];
  const lastImage = images[images.length - 1];

  // 3. Saved size after 100 000 steps of the same four series (simulated time, 1000 steps/s).
  clearRuns();
  const clock = new ManualScheduler();
  const simSink = new MemorySink(() => clock.now());
  let seed = 7;
  const rand = () => (seed = (seed * 16807) % 2147483647) / 2147483647;
  simulateFit(new LiveChart({ name: "GAN 100k" }, { sink: simSink, scheduler: clock }), {
    epochs: 10, batchesPerEpoch: 10_000, msPerBatch: 1,
    scalars: () => ({ "losses/G": 1.5 + rand(), "losses/D": 0.7 + rand() * 0.2, "D output/D(x)": 0.6 + rand() * 0.3, "D output/D(G(z))": 0.3 + rand() * 0.3 }),
  }, clock);
  const simFinal = simSink.messages[simSink.messages.length - 1];
  const simLive = simSink.messages.slice(0, -1);
  const simSeconds = clock.now() / 1000;

  console.log(`\nLive display cost on the notebook-02 GAN (hidden ${HIDDEN}), ${report.name}${report.tuned ? " (tuned)" : ""}, batch 64, real MNIST; ` +
    `${BATCHES} batches × ${REPS} interleaved reps (median of rep medians, ${WARMUP} warm-up batches dropped)\n`);
  const mHook = median(hook);
  console.log(formatTable(["display", "ms/step (median)", "rep medians", "ratio (target ≤ 1.03)", "LiveChart hooks ms/batch (mean)", "hooks / step"], [
    ["off (live: false)", fixed(mOff, 2), off.map((v) => fixed(v, 1)).join(" "), "1.000", "", ""],
    ["on (LiveChart → MemorySink)", fixed(mOn, 2), on.map((v) => fixed(v, 1)).join(" "), fixed(mOn / mOff, 3), fixed(mHook, 3),
      `${fixed((100 * mHook) / mOff, 2)} %`],
  ]));
  console.log("(The step-median ratio is only meaningful on an idle machine; the hook time is the display's own cost per batch,\n" +
    " image grids and frames included, amortised — the trainer's per-batch scalar readback is not in it.)");
  console.log(`\nSent during a ${fixed(timed.seconds, 1)} s fit (${timed.steps} steps) with the display on (maxFps 2, as notebook 02):\n`);
  console.log(formatTable(["what", "messages", "msgs/s", "KB", "KB/s", "worst 1 s window"], [
    ["live chart frames + image grids", String(liveCount), fixed(liveCount / timed.seconds, 2), kb(liveBytes), kb(liveBytes / timed.seconds),
      `${worstCount} msgs / ${kb(worstBytes)} KB`],
    ["  of which image grids", String(images.length), fixed(images.length / timed.seconds, 2), kb(images.reduce((a, m) => a + m.bytes, 0)), "", ""],
    ["final chart frame (sent once)", "1", "", kb(finalChart.bytes), "", Object.keys(finalChart.content.data).sort().join(" + ")],
  ]));
  console.log(`\nSaved in a notebook after ${timed.steps} real steps: chart ${kb(finalChart.bytes)} KB` +
    (lastImage ? ` + last image grid ${kb(lastImage.bytes)} KB` : ""));
  console.log(`Simulated 100 000 steps (4 series, 1000 steps/s): ${simLive.length} live frames, ${fixed(simLive.length / simSeconds, 2)} msgs/s, ` +
    `${kb(simLive.reduce((a, m) => a + m.bytes, 0) / simSeconds)} KB/s; saved chart output ${kb(simFinal.bytes)} KB (budget 256 KB)`);
  x.dispose();
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
