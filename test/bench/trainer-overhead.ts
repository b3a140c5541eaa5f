// Benchmark (issue 2): the cost of our Trainer over a hand-written tfjs loop doing the same work, on tuned wasm.
// MLP classifier 784-256-128-10 (automatic optimization, Adam) and the MLP GAN (G 64-256-512-784, D 784-512-256-1,
// manual optimization with two Adams and toggling), batch 64.
//
// Batch times come from the data generator (the time between two of its resumptions): no callback is added to the fit.
// Two methods, each beside a control that measures a second hand loop the same way (the method's own bias and noise):
//  - run-interleaved: short runs (one `fit`, then the hand loop, then a second hand loop, order rotating per rep, ~0.2 s
//    each for the MLP) and the ratio of their median batch times. Each loop runs in its own cache state, as it does for
//    a user; the host's drift between runs a fraction of a second apart is the noise (the control shows how much);
//  - batch-interleaved: one `fit` whose generator runs one hand step before each batch, so every trainer batch is
//    paired with a hand step from the same ~10 ms and the drift cancels; each side then runs on caches the other just
//    used. The two methods have agreed within ~0.01 on both models.
// JIT state — each process first measures a few run-interleaved reps fresh, then runs untimed warm-up fits and hand
// loops, then measures with both methods above. For the MLP the warm-up lasts until V8 has compiled the trainer's
// per-batch code with its optimizing tier (the steady state of a long fit); the GAN, 10× slower per step, gets a short
// one. The fresh-process column shows a short first fit (in half the processes the other model ran first).
// Processes — per-process medians differ by a few percent for the same code (wasm heap layout, JIT, host), so the table
// gives the median over fresh processes and their range.
// Also reports tf.memory().numTensors before/after each process's runs and the tensors gained per step during a fit.
//   node dist/test/bench/trainer-overhead.js [--procs 6] [--reps 3] [--batches 60] [--kernel-clock] [--mlp-hidden 256,128]
//     [--bench mlp|gan] [--mlp-log off] [--mlp-warmup-fits 40] [--gan-warmup-fits 4] [--mlp-fresh-reps 3] [--gan-fresh-reps 1]
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { tf, LightningModule, Trainer, DataLoader } from "../../kernel";
import { registerWasmTuning } from "../../kernel/backend/wasm/register";
import { fixed, formatTable, median } from "./backend-stats";
import { installKernelClock, kernelMs } from "./kernel-clock";
import { arg, args } from "./bench-args";

const QUICK = Boolean(process.env.BENCH_QUICK);
const PROCS = Number(arg("procs", QUICK ? "2" : "6"));
const REPS = Number(arg("reps", QUICK ? "1" : "3"));
/** A per-model count: `--mlp-<name>` and `--gan-<name>`, with their defaults. */
const perModel = (name: string, mlp: number, gan: number) => ({
  mlp: Number(arg(`mlp-${name}`, String(mlp))),
  gan: Number(arg(`gan-${name}`, String(gan))),
});
/** Run-interleaved reps per process (a multiple of 3 balances the rotating order): short MLP runs need many. */
const RUN_REPS = perModel("run-reps", QUICK ? 3 : 12, 3);
const BATCHES = Number(arg("batches", QUICK ? "16" : "60"));
/** Batches dropped at the start of each fit (first-call compilation, allocation). */
const WARMUP = 3;
const B = 64;
/** --kernel-clock: also split each paired batch into kernel time and the JS around it (adds ~0.2 µs per kernel). */
const KERNEL_CLOCK = args.includes("--kernel-clock");
/** --mlp-hidden 8: the MLP's hidden layers (a small model shows the trainer's cost when the step's data fit in cache). */
const HIDDEN = arg("mlp-hidden", "256,128").split(",").map(Number);
/**
 * --mlp-log off: the MLP logs nothing and neither loop reads the loss back, which isolates the trainer's cost outside
 * its logging path (the share of `this.log` + readback + metric dicts is the difference to the default run).
 */
const MLP_LOG = arg("mlp-log", "on") !== "off";
const MLP_NAME = `MLP 784-${HIDDEN.join("-")}-10${MLP_LOG ? "" : ", no log/readback"}`;
const ALL_BENCHES = ["mlp", "gan"] as const;
type Bench = (typeof ALL_BENCHES)[number];
/** --bench mlp: run one of the two models only. */
const BENCHES: readonly Bench[] = ALL_BENCHES.filter((b) => arg("bench", b) === b);
/**
 * Untimed fits and hand loops per model (--mlp-warmup-fits, --gan-warmup-fits) between the fresh-process runs and the
 * steady-state ones. V8 compiles a function with its optimizing tier only after ~1 000–3 000 calls, and the trainer's
 * per-batch functions are called once per batch: in a fresh process they run unoptimized for the first few thousand
 * batches (runAutomaticBatch was compiled after ~1 560 MLP batches, forwardBackward after ~2 040, by --trace-opt).
 * The steady state is what a long fit runs in; the fresh-process figure is reported beside it.
 */
const WARMUP_FITS = perModel("warmup-fits", QUICK ? 4 : 40, QUICK ? 1 : 4);
/** Run-interleaved reps in a fresh process, before the warm-up. */
const FRESH_REPS = perModel("fresh-reps", 3, 1);

function dense(units: number[], inputDim: number, lastActivation: "linear" | "tanh" = "linear"): tf.Sequential {
  return tf.sequential({
    layers: units.map((u, i) => tf.layers.dense({
      units: u,
      activation: i === units.length - 1 ? lastActivation : "relu",
      ...(i === 0 ? { inputShape: [inputDim] } : {}),
    })),
  });
}

interface HostData {
  x: Float32Array;
  y: Float32Array | null;
}

/** Host-side data: batches are uploaded from typed arrays, as the DataLoader does. */
function data(bench: Bench): HostData {
  const n = BATCHES * B;
  return {
    x: new Float32Array(n * 784).map(() => Math.random()),
    y: bench === "mlp" ? new Float32Array(n * 10).map((_, i) => (i % 10 === 0 ? 1 : 0)) : null,
  };
}

type Batch = { x: tf.Tensor2D; y?: tf.Tensor2D };

function upload(d: HostData, b: number): Batch {
  const x = tf.tensor2d(d.x.subarray(b * B * 784, (b + 1) * B * 784), [B, 784]);
  return d.y ? { x, y: tf.tensor2d(d.y.subarray(b * B * 10, (b + 1) * B * 10), [B, 10]) } : { x };
}

// ---- MLP classifier ----
class Mlp extends LightningModule {
  net = dense([...HIDDEN, 10], 784);
  configureOptimizers() { return tf.train.adam(1e-3); }
  trainingStep(batch: { x: tf.Tensor; y: tf.Tensor }) {
    const loss = tf.losses.softmaxCrossEntropy(batch.y, this.net.apply(batch.x) as tf.Tensor) as tf.Scalar;
    if (MLP_LOG) this.log("loss", loss, { progBar: true });
    return loss;
  }
}

interface HandLoop {
  /** One optimisation step on an uploaded batch (released after it), then one readback. */
  step(batch: Batch): Promise<void>;
  dispose(): void;
}

/** Runs `step` under tidy, releases the batch, and reads the returned scalars back once, as the Trainer does. */
async function handStep(batch: Batch, step: () => tf.Tensor, read = true): Promise<void> {
  const out = tf.tidy(step);
  tf.dispose(Object.values(batch));
  if (read) await out.data();
  out.dispose();
}

function mlpHand(): HandLoop {
  const net = dense([...HIDDEN, 10], 784);
  const opt = tf.train.adam(1e-3);
  return {
    step: ({ x, y }) => handStep({ x, y }, () =>
      opt.minimize(() => tf.losses.softmaxCrossEntropy(y!, net.apply(x) as tf.Tensor) as tf.Scalar, true)!, MLP_LOG),
    dispose: () => {
      net.dispose();
      opt.dispose();
    },
  };
}

// ---- MLP GAN ----
const Z = 64;
function ganLosses(g: tf.Sequential, dnet: tf.Sequential, x: tf.Tensor) {
  const z = tf.randomNormal([x.shape[0], Z]);
  return {
    d: () => {
      const real = dnet.apply(x) as tf.Tensor;
      const fake = dnet.apply(g.apply(z)) as tf.Tensor;
      return tf.add(tf.losses.sigmoidCrossEntropy(tf.onesLike(real), real), tf.losses.sigmoidCrossEntropy(tf.zerosLike(fake), fake)) as tf.Scalar;
    },
    g: () => {
      const fake = dnet.apply(g.apply(z)) as tf.Tensor;
      return tf.losses.sigmoidCrossEntropy(tf.onesLike(fake), fake) as tf.Scalar;
    },
  };
}

class Gan extends LightningModule {
  generator = dense([256, 512, 784], Z, "tanh");
  discriminator = dense([512, 256, 1], 784);
  constructor() { super(); this.automaticOptimization = false; }
  configureOptimizers() {
    return [{ optimizer: tf.train.adam(2e-4, 0.5), params: this.generator }, { optimizer: tf.train.adam(2e-4, 0.5), params: this.discriminator }];
  }
  trainingStep(batch: { x: tf.Tensor }) {
    const [gOpt, dOpt] = this.optimizers();
    const l = ganLosses(this.generator, this.discriminator, batch.x);
    this.toggleOptimizer(dOpt);
    const dLoss = this.manualBackward(l.d);
    dOpt.step(); dOpt.zeroGrad(); this.untoggleOptimizer(dOpt);
    this.toggleOptimizer(gOpt);
    const gLoss = this.manualBackward(l.g);
    gOpt.step(); gOpt.zeroGrad(); this.untoggleOptimizer(gOpt);
    return { batchMetrics: { dLoss, gLoss } };
  }
  onTrainBatchEnd(outputs: any) { this.logDict(outputs.batchMetrics, { progBar: true }); }
}

function ganHand(): HandLoop {
  const g = dense([256, 512, 784], Z, "tanh");
  const dn = dense([512, 256, 1], 784);
  const gOpt = tf.train.adam(2e-4, 0.5);
  const dOpt = tf.train.adam(2e-4, 0.5);
  const gVars = g.trainableWeights.map((w) => w.read() as tf.Variable);
  const dVars = dn.trainableWeights.map((w) => w.read() as tf.Variable);
  return {
    step: (batch) => handStep(batch, () => {
      const l = ganLosses(g, dn, batch.x);
      const dl = dOpt.minimize(l.d, true, dVars)!;
      const gl = gOpt.minimize(l.g, true, gVars)!;
      return tf.stack([dl, gl]);
    }),
    dispose: () => {
      g.dispose(); dn.dispose(); gOpt.dispose(); dOpt.dispose();
    },
  };
}

/** One paired batch: the consumer's time (trainer or control loop) and the hand step's beside it, each split by --kernel-clock. */
interface Pair {
  ours: number;
  hand: number;
  oursJs: number;
  handJs: number;
}

/** What a run's generator records: per-batch times (run-interleaved), pairs (batch-interleaved), tensor counts. */
interface Timing {
  times: number[];
  pairs: Pair[];
  counts: number[];
}

const timing = (): Timing => ({ times: [], pairs: [], counts: [] });

/**
 * Yields batches 0..BATCHES-1 and times the interval between two resumptions (one batch of the consumer). With `hand`,
 * one hand step runs before each batch after the first, timed on its own, and the interval less that step is paired
 * with it.
 */
async function* timedBatches(d: HostData, hand: HandLoop | null, out: Timing): AsyncGenerator<Batch> {
  let last = 0;
  let lastKernel = 0;
  for (let b = 0; b < BATCHES; b++) {
    let handMs = 0;
    let handKernel = 0;
    if (hand && b > 0) {
      const k0 = kernelMs();
      const t0 = performance.now();
      await hand.step(upload(d, b)); // the hand loop's upload is part of its step, as the trainer's is of its batch
      handMs = performance.now() - t0;
      handKernel = kernelMs() - k0;
    }
    const now = performance.now();
    const kNow = kernelMs();
    if (b > WARMUP) {
      const ours = now - last - handMs;
      out.times.push(ours);
      if (hand) {
        const oursKernel = kNow - lastKernel - handKernel;
        out.pairs.push({ ours, hand: handMs, oursJs: ours - oursKernel, handJs: handMs - handKernel });
      }
      out.counts.push(tf.memory().numTensors);
    }
    last = now;
    lastKernel = kNow;
    yield upload(d, b);
  }
}

function makeHand(bench: Bench): HandLoop {
  return bench === "mlp" ? mlpHand() : ganHand();
}

/** Tensors gained per batch between the first and the last measured batch start (a leak shows as > 0). */
function growthPerStep(counts: number[]): number {
  return counts.length < 2 ? 0 : (counts[counts.length - 1] - counts[0]) / (counts.length - 1);
}

/** `fit` over the timed batches (with a hand step beside each when `paired`). */
async function viaTrainer(bench: Bench, d: HostData, paired: boolean): Promise<Timing> {
  const out = timing();
  const hand = paired ? makeHand(bench) : null;
  const module = bench === "mlp" ? new Mlp() : new Gan();
  const trainer = new Trainer({ maxEpochs: 1, logger: false, enableCheckpointing: false, enableProgressBar: false, enableModelSummary: false, live: false });
  await trainer.fit(module, new DataLoader(timedBatches(d, hand, out)));
  for (const v of module.allVariables()) v.dispose();
  for (const o of trainer.optimizers) o.dispose();
  hand?.dispose();
  return out;
}

/** A hand loop consuming the timed batches in place of `fit` (with a second hand step beside each when `paired`). */
async function viaHand(bench: Bench, d: HostData, paired: boolean): Promise<Timing> {
  const out = timing();
  const hand = paired ? makeHand(bench) : null;
  const consumer = makeHand(bench);
  for await (const batch of timedBatches(d, hand, out)) await consumer.step(batch);
  hand?.dispose();
  consumer.dispose();
  return out;
}

/** One run-interleaved rep: median batch ms of the trainer, the hand loop, and the control's second hand loop. */
interface Run {
  ours: number;
  hand: number;
  control: number;
}

interface ChildResult {
  bench: Bench;
  /** Run-interleaved reps in a fresh process (the model's first fits there), before the warm-up. */
  fresh: Run[];
  /** Run-interleaved reps after the warm-up (steady state). */
  runs: Run[];
  /** Batch-interleaved pairs of the trainer and of the control. */
  ours: Pair[];
  control: Pair[];
  growth: number[];
  tensorsBefore: number;
  tensorsAfter: number;
}

async function child(): Promise<void> {
  // One thread: the second-core worker's scheduling adds noise to a few-percent measurement, and the trainer's
  // overhead does not depend on it.
  process.env.TSLAB_LIGHTNING_WASM_THREADS ??= "1";
  if (KERNEL_CLOCK) installKernelClock();
  registerWasmTuning();
  if (!(await tf.setBackend("wasm"))) throw new Error("wasm backend failed to initialise");
  const order = Number(arg("child", "0")) % 2 === 0 ? BENCHES : [...BENCHES].reverse();
  for (const bench of order) {
    const d = data(bench);
    const result: ChildResult = {
      bench, fresh: [], runs: [], ours: [], control: [], growth: [], tensorsBefore: tf.memory().numTensors, tensorsAfter: 0,
    };
    // Run-interleaved: the trainer, the hand loop and the control's second hand loop, in rotating order.
    const interleavedRun = async (r: number): Promise<Run> => {
      const run: Run = { ours: 0, hand: 0, control: 0 };
      const steps: [keyof Run, () => Promise<Timing>][] = [
        ["ours", () => viaTrainer(bench, d, false)], ["hand", () => viaHand(bench, d, false)], ["control", () => viaHand(bench, d, false)],
      ];
      for (let i = 0; i < steps.length; i++) {
        const [name, go] = steps[(i + r) % steps.length];
        const t = await go();
        run[name] = median(t.times);
        if (name === "ours") result.growth.push(growthPerStep(t.counts));
      }
      return run;
    };
    for (let r = 0; r < FRESH_REPS[bench]; r++) result.fresh.push(await interleavedRun(r));
    for (let w = 0; w < WARMUP_FITS[bench]; w++) {
      await viaTrainer(bench, d, false);
      await viaHand(bench, d, false);
    }
    for (let r = 0; r < RUN_REPS[bench]; r++) result.runs.push(await interleavedRun(r));
    // Batch-interleaved: the trainer and the control, alternating which goes first.
    for (let r = 0; r < REPS; r++) {
      const paired = async () => {
        const t = await viaTrainer(bench, d, true);
        result.ours.push(...t.pairs);
        result.growth.push(growthPerStep(t.counts));
      };
      const control = async () => void result.control.push(...(await viaHand(bench, d, true)).pairs);
      if (r % 2 === 0) { await paired(); await control(); } else { await control(); await paired(); }
    }
    result.tensorsAfter = tf.memory().numTensors;
    console.log(JSON.stringify(result));
  }
}

function quantile(a: number[], q: number): number {
  const s = [...a].sort((x, y) => x - y);
  return s[Math.min(s.length - 1, Math.floor(q * s.length))];
}

const ratios = (pairs: Pair[]) => pairs.map((p) => p.ours / p.hand);
const range = (v: number[]) => `${fixed(median(v), 3)} (${fixed(Math.min(...v), 3)}–${fixed(Math.max(...v), 3)})`;

function parent(): void {
  const results: ChildResult[] = [];
  for (let p = 0; p < PROCS; p++) {
    const r = spawnSync(process.execPath, [__filename, ...args, "--child", String(p)], { encoding: "utf8", maxBuffer: 64 << 20 });
    if (r.status !== 0) throw new Error(`child ${p} failed (${r.status ?? r.signal}):\n${r.stderr}`);
    for (const line of r.stdout.split("\n")) if (line.startsWith("{")) results.push(JSON.parse(line));
  }
  const rows = BENCHES.map((bench) => {
    const mine = results.filter((r) => r.bench === bench);
    const runs = mine.flatMap((r) => r.runs);
    const freshRatio = mine.map((r) => median(r.fresh.map((x) => x.ours / x.hand)));
    const runRatio = mine.map((r) => median(r.runs.map((x) => x.ours / x.hand)));
    const runControl = mine.map((r) => median(r.runs.map((x) => x.control / x.hand)));
    const pairs = mine.flatMap((r) => r.ours);
    const pairRatio = mine.map((r) => median(ratios(r.ours)));
    const pairControl = mine.map((r) => median(ratios(r.control)));
    return [
      bench === "mlp" ? MLP_NAME : "MLP GAN (2 optimizers)",
      `${fixed(median(runs.map((x) => x.hand)), 2)} / ${fixed(median(runs.map((x) => x.ours)), 2)}`,
      FRESH_REPS[bench] > 0 ? range(freshRatio) : "–",
      range(runRatio),
      range(runControl),
      range(pairRatio),
      `${fixed(quantile(ratios(pairs), 0.25), 3)}–${fixed(quantile(ratios(pairs), 0.75), 3)} (${pairs.length})`,
      range(pairControl),
      ...(KERNEL_CLOCK ? [`${fixed(median(pairs.map((p) => p.handJs)), 3)} / ${fixed(median(pairs.map((p) => p.oursJs)), 3)}`] : []),
      mine.map((r) => `${r.tensorsBefore} → ${r.tensorsAfter}`).filter((v, i, a) => a.indexOf(v) === i).join(", "),
      fixed(Math.max(...mine.flatMap((r) => r.growth)), 2),
    ];
  });
  console.log(`\nTrainer overhead on wasm (tuned, 1 thread), batch ${B}: ${PROCS} processes; per process and model ` +
    `${FRESH_REPS.mlp} (MLP) / ${FRESH_REPS.gan} (GAN) run-interleaved reps fresh, then ${WARMUP_FITS.mlp} / ${WARMUP_FITS.gan} ` +
    `untimed fits and hand loops, then ${RUN_REPS.mlp} / ${RUN_REPS.gan} run-interleaved and ${REPS} batch-interleaved reps ` +
    `after it, each of ${BATCHES - WARMUP - 1} timed batches`);
  console.log("ratio = trainer / hand loop (target ≤ 1.02 after the warm-up: for the MLP the steady state, where V8 has compiled " +
    "the trainer's per-batch code; the GAN's 10× longer steps get a shorter warm-up); control = a second hand loop measured " +
    "the same way; ranges over processes\n");
  console.log(formatTable([
    "model", "hand / ours ms per batch", "fresh process: run-interleaved ratio", "run-interleaved ratio (range)", "its control",
    "batch-interleaved ratio (range)", "IQR of all pairs (n)", "its control",
    ...(KERNEL_CLOCK ? ["paired, outside kernels: hand / ours ms"] : []),
    "numTensors before → after (per process)", "tensors gained per step during a fit (largest; target 0)",
  ], rows));
}

if (args.includes("--child")) {
  child().catch((e) => {
    console.error(e);
    process.exit(1);
  });
} else {
  parent();
}
