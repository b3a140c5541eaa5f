// Benchmark (issue 2): the cost of our Trainer over a hand-written tfjs loop doing the same work, on tuned wasm.
// MLP classifier 784-256-128-10 (automatic optimization, Adam) and the MLP GAN (G 64-256-512-784, D 784-512-256-1,
// manual optimization with two Adams and toggling), batch 64.
//
// Method — batch-interleaved pairs: one `fit` whose data generator runs one hand-loop step before yielding each batch.
// A trainer batch is the time between two resumptions of the generator less the hand step inside it, so every trainer
// batch is paired with a hand step from the same ~10 ms: the host's load, which moves whole runs by 10–40 % on shared
// cores, cancels in the per-batch ratio. The timestamps come from the generator: no callback is added to the fit.
// Control — the same structure with a second hand loop in place of `fit` (it consumes the same generator): its ratio
// is the method's own bias and noise, printed next to the trainer's.
// Processes — each child process measures both, alternating; per-process medians differ by a few percent for the same
// code (wasm heap layout, JIT, host), so the table gives the median over fresh processes and their range.
// Also reports tf.memory().numTensors before/after each process's runs and the tensors gained per step during a fit.
//   node dist/test/bench/trainer-overhead.js [--procs 6] [--reps 3] [--batches 60] [--kernel-clock]
import { spawnSync } from "node:child_process";
import { performance } from "node:perf_hooks";
import { tf, LightningModule, Trainer, DataLoader } from "../../kernel";
import { registerWasmTuning } from "../../kernel/backend/wasm/register";
import { fixed, formatTable, median } from "./backend-stats";
import { installKernelClock, kernelMs } from "./kernel-clock";

const args = process.argv.slice(2);
const arg = (n: string, d: string) => (args.includes(`--${n}`) ? args[args.indexOf(`--${n}`) + 1] : d);
const QUICK = Boolean(process.env.BENCH_QUICK);
const PROCS = Number(arg("procs", QUICK ? "2" : "6"));
const REPS = Number(arg("reps", QUICK ? "1" : "3"));
const BATCHES = Number(arg("batches", QUICK ? "16" : "60"));
/** Batches dropped at the start of each fit (first-call compilation, allocation). */
const WARMUP = 3;
const B = 64;
/** --kernel-clock: also split each paired batch into kernel time and the JS around it (adds ~0.2 µs per kernel). */
const KERNEL_CLOCK = args.includes("--kernel-clock");
const BENCHES = ["mlp", "gan"] as const;
type Bench = (typeof BENCHES)[number];

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
  net = dense([256, 128, 10], 784);
  configureOptimizers() { return tf.train.adam(1e-3); }
  trainingStep(batch: { x: tf.Tensor; y: tf.Tensor }) {
    const loss = tf.losses.softmaxCrossEntropy(batch.y, this.net.apply(batch.x) as tf.Tensor) as tf.Scalar;
    this.log("loss", loss, { progBar: true });
    return loss;
  }
}

/** One readback per batch for the step's scalars, as the Trainer does. */
async function readAndDispose(t: tf.Tensor): Promise<void> {
  await t.data();
  t.dispose();
}

interface HandLoop {
  /** One optimisation step on an uploaded batch (released after it), then one readback. */
  step(batch: Batch): Promise<void>;
  dispose(): void;
}

/** Runs `step` under tidy, releases the batch, and reads the returned scalars back once. */
function handStep(batch: Batch, step: () => tf.Tensor): Promise<void> {
  const out = tf.tidy(step);
  tf.dispose(Object.values(batch));
  return readAndDispose(out);
}

function mlpHand(): HandLoop {
  const net = dense([256, 128, 10], 784);
  const opt = tf.train.adam(1e-3);
  return {
    step: ({ x, y }) => handStep({ x, y }, () =>
      opt.minimize(() => tf.losses.softmaxCrossEntropy(y!, net.apply(x) as tf.Tensor) as tf.Scalar, true)!),
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

/** One measured batch: the consumer's time (trainer or control loop) and the paired hand step's, each split by --kernel-clock. */
interface Pair {
  ours: number;
  hand: number;
  oursJs: number;
  handJs: number;
}

/**
 * Yields batches 0..BATCHES-1, running `hand.step(b)` before each batch after the first, and turns the time between two
 * resumptions into a pair: that interval holds one batch of the consumer and one hand step (timed on its own).
 */
async function* pairedBatches(d: HostData, hand: HandLoop, pairs: Pair[], counts: number[]): AsyncGenerator<Batch> {
  let last = 0;
  let lastKernel = 0;
  for (let b = 0; b < BATCHES; b++) {
    let handMs = 0;
    let handKernel = 0;
    if (b > 0) {
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
      const oursKernel = kNow - lastKernel - handKernel;
      pairs.push({ ours, hand: handMs, oursJs: ours - oursKernel, handJs: handMs - handKernel });
    }
    last = now;
    lastKernel = kNow;
    if (b > WARMUP) counts.push(tf.memory().numTensors);
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

/** `fit` over the paired batches; returns the pairs and the tensors gained per step while it ran. */
async function viaTrainer(bench: Bench, d: HostData): Promise<{ pairs: Pair[]; growth: number }> {
  const pairs: Pair[] = [];
  const counts: number[] = [];
  const hand = makeHand(bench);
  const module = bench === "mlp" ? new Mlp() : new Gan();
  const trainer = new Trainer({ maxEpochs: 1, logger: false, enableCheckpointing: false, enableProgressBar: false, enableModelSummary: false, live: false });
  await trainer.fit(module, new DataLoader(pairedBatches(d, hand, pairs, counts)));
  for (const v of module.allVariables()) v.dispose();
  for (const o of trainer.optimizers) o.dispose();
  hand.dispose();
  return { pairs, growth: growthPerStep(counts) };
}

/** The control: a second hand loop consumes the same paired generator in place of `fit`. */
async function viaHand(bench: Bench, d: HostData): Promise<Pair[]> {
  const pairs: Pair[] = [];
  const hand = makeHand(bench);
  const consumer = makeHand(bench);
  for await (const batch of pairedBatches(d, hand, pairs, [])) await consumer.step(batch);
  hand.dispose();
  consumer.dispose();
  return pairs;
}

interface ChildResult {
  bench: Bench;
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
    const result: ChildResult = { bench, ours: [], control: [], growth: [], tensorsBefore: tf.memory().numTensors, tensorsAfter: 0 };
    for (let r = 0; r < REPS; r++) {
      const runOurs = async () => {
        const t = await viaTrainer(bench, d);
        result.ours.push(...t.pairs);
        result.growth.push(t.growth);
      };
      const runControl = async () => void result.control.push(...(await viaHand(bench, d)));
      if (r % 2 === 0) { await runOurs(); await runControl(); } else { await runControl(); await runOurs(); }
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
    const all = mine.flatMap((r) => r.ours);
    const perProcOurs = mine.map((r) => median(ratios(r.ours)));
    const perProcControl = mine.map((r) => median(ratios(r.control)));
    const pooled = ratios(all);
    return [
      bench === "mlp" ? "MLP 784-256-128-10" : "MLP GAN (2 optimizers)",
      `${fixed(median(all.map((p) => p.hand)), 2)} / ${fixed(median(all.map((p) => p.ours)), 2)}`,
      range(perProcOurs),
      `${fixed(quantile(pooled, 0.25), 3)}–${fixed(quantile(pooled, 0.75), 3)} (${pooled.length})`,
      range(perProcControl),
      fixed(median(perProcOurs.map((o, i) => o / perProcControl[i])), 3),
      ...(KERNEL_CLOCK ? [`${fixed(median(all.map((p) => p.handJs)), 3)} / ${fixed(median(all.map((p) => p.oursJs)), 3)}`] : []),
      mine.map((r) => `${r.tensorsBefore} → ${r.tensorsAfter}`).filter((v, i, a) => a.indexOf(v) === i).join(", "),
      fixed(Math.max(...mine.flatMap((r) => r.growth)), 2),
    ];
  });
  console.log(`\nTrainer overhead on wasm (tuned, 1 thread), batch ${B}: ${PROCS} processes × ${REPS} fits × ${BATCHES - WARMUP - 1} paired batches per bench`);
  console.log("ratio = trainer batch / the hand step run beside it; control = a second hand loop measured the same way (the method's own bias and noise)\n");
  console.log(formatTable([
    "model", "hand / ours ms per batch", "ratio: median over processes (range) (target ≤ 1.02)", "IQR of all pairs (n)",
    "control ratio (range)", "ratio / control", ...(KERNEL_CLOCK ? ["outside kernels, hand / ours ms"] : []),
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
