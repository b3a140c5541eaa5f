// Benchmark: tuned wasm on one thread vs with the second-core matmul worker (kernel/backend/wasm/
// parallel/), interleaved in one process (rep 1: every config, rep 2: ...), medians of run medians.
//  1. every matmul of the MLP and the MLP GAN at batch 64 (forward, weight gradient = transposed a,
//     input gradient = transposed b), forced to split (threshold 0) vs one thread: where the split
//     starts to pay is the threshold `parallelSettings.minFlop` ships with;
//  2. whole training steps (raw tfjs + Adam from training-programs.ts, and a tf.layers.dense MLP
//     trained with trainOnBatch, which takes the _FusedMatMul path) with the shipped threshold.
// Asserts nothing.
//   node dist/test/bench/parallel-matmul.js [--reps 5] [--benches matmul,mlp,layers,gan] [--thresholds 2,4,8 (MFLOP)]
//     [--maxForeignLoad 0.1 (cores)]
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { performance } from "node:perf_hooks";
import { parallelCounts, parallelSettings } from "../../kernel/backend/wasm/parallel/parallel-mat-mul";
import { payoffSettings, payoffState } from "../../kernel/backend/wasm/parallel/payoff";
import { planSplit } from "../../kernel/backend/wasm/parallel/split-plan";
import { whenWorkerReady } from "../../kernel/backend/wasm/parallel/worker-host";
import { registerWasmTuning } from "../../kernel/backend/wasm/register";
import { seeded } from "../backend/on-backends";
import { mlpClassifier, mlpGan, type TrainingProgram } from "../backend/training-programs";
import { fixed, formatTable, median } from "./backend-stats";
import { cleanReps } from "./foreign-load";
import { arg } from "./bench-args";

const REPS = Number(arg("reps", "5"));
const BENCHES = arg("benches", "matmul,mlp,layers,gan").split(",");
const BATCH = 64;
/** Runs during which other processes used more than this many cores are retried (within a time budget). */
const MAX_FOREIGN_LOAD = Number(arg("maxForeignLoad", "0.1"));
const loadNote = (loads: number[]) =>
  loads.some(Number.isFinite) ? `of kept runs: median ${fixed(median(loads), 2)}, max ${fixed(Math.max(...loads), 2)} cores` : "unknown";
const SHIPPED_MIN_FLOP = parallelSettings.minFlop;

type Mode = "one thread" | "two threads" | "rows" | "cols";
/** "two threads" splits as the planner chooses; "rows" / "cols" force a split. */
function useMode(mode: Mode, minFlop: number): void {
  parallelSettings.enabled = mode !== "one thread";
  parallelSettings.force = mode === "rows" || mode === "cols" ? mode : undefined;
  parallelSettings.minFlop = minFlop;
}
const splits = () => parallelCounts.rows + parallelCounts.cols + parallelCounts.reclaimed;

interface Shape { label: string; a: number[]; b: number[]; tA: boolean; tB: boolean; mflop: number }

/** Forward, weight-gradient and input-gradient matmuls of dense layers `sizes` at batch 64. */
function denseShapes(net: string, sizes: number[], withInputGrad: boolean): Shape[] {
  return sizes.slice(1).flatMap((out, i) => {
    const inp = sizes[i];
    const mflop = (2 * BATCH * inp * out) / 1e6;
    const list: Shape[] = [
      { label: `${net} ${BATCH}×${inp}·${inp}×${out} fwd`, a: [BATCH, inp], b: [inp, out], tA: false, tB: false, mflop },
      { label: `${net} (${BATCH}×${inp})ᵀ·${BATCH}×${out} dW`, a: [BATCH, inp], b: [BATCH, out], tA: true, tB: false, mflop },
    ];
    if (withInputGrad || i > 0) list.push({ label: `${net} ${BATCH}×${out}·(${inp}×${out})ᵀ dx`, a: [BATCH, out], b: [inp, out], tA: false, tB: true, mflop });
    return list;
  });
}

async function matmulTable(): Promise<{ table: string; threshold: number }> {
  const shapes = [
    ...denseShapes("MLP", [784, 256, 128, 10], false),
    ...denseShapes("G", [64, 256, 512, 784], true),
    ...denseShapes("D", [784, 512, 256, 1], true),
  ].sort((x, y) => x.mflop - y.mflop);
  const modes: Mode[] = ["one thread", "rows", "cols", "two threads"];
  const ms = new Map<string, number[]>();
  const loads: number[] = [];
  payoffSettings.enabled = false; // pure split vs one thread; the training table keeps the shipped payoff check
  for (const s of shapes) {
    const a = seeded(s.a, 1);
    const b0 = seeded(s.b, 2);
    // ~25 ms per mode and rep, at least 15 calls; modes alternate call by call, so a burst of
    // load from other processes hits every mode alike.
    const iters = Math.max(15, Math.min(300, Math.round(25 / (s.mflop / 25))));
    const { results, loads: kept } = await cleanReps(REPS, MAX_FOREIGN_LOAD, 3000, async () => {
      const times = new Map<Mode, number[]>(modes.map((m) => [m, []]));
      for (let i = 0; i < iters + 3; i++) {
        for (let j = 0; j < modes.length; j++) {
          const mode = modes[(i + j) % modes.length];
          useMode(mode, 0);
          // A new b every call, as in training (the weights are new tensors every step): XNNPACK
          // caches b packed by tensor id, which would favour whoever sees the same b twice.
          const b = tf.mul(b0, 1);
          const t0 = performance.now();
          const y = tf.matMul(a, b, s.tA, s.tB);
          const t1 = performance.now();
          tf.dispose([y, b]);
          if (i >= 3) times.get(mode)!.push(t1 - t0);
        }
      }
      return new Map(modes.map((m) => [m, median(times.get(m)!)]));
    });
    for (const mode of modes) ms.set(`${s.label}|${mode}`, results.map((r) => r.get(mode)!));
    loads.push(...kept);
    tf.dispose([a, b0]);
    process.stderr.write(`${s.label}: foreign load ${kept.map((l) => fixed(l, 2)).join(" ")}\n`);
  }
  const rows: string[][] = [];
  const speedups: { mflop: number; speedup: number }[] = [];
  for (const s of shapes) {
    const med = (mode: Mode) => median(ms.get(`${s.label}|${mode}`)!);
    const one = med("one thread");
    const auto = med("two threads");
    speedups.push({ mflop: s.mflop, speedup: one / auto });
    rows.push([
      s.label, fixed(s.mflop, 2), fixed(one * 1000, 0), fixed(med("rows") * 1000, 0), fixed(med("cols") * 1000, 0),
      fixed(auto * 1000, 0), planSplit(shapeOf(s))!, fixed(s.mflop / one, 1), fixed(s.mflop / auto, 1), `${fixed(one / auto, 2)}×`,
    ]);
  }
  payoffSettings.enabled = true;
  // The threshold: the smallest size from which every larger shape gains ≥ 5 %.
  let threshold = Infinity;
  for (let i = speedups.length - 1; i >= 0 && speedups[i].speedup >= 1.05; i--) threshold = speedups[i].mflop;
  const table = `Per-matmul time (µs, median of ${REPS} run medians, modes alternating call by call; foreign load ${loadNote(loads)}), forced to split (threshold 0): by rows, by columns, as planned\n` +
    formatTable(["matmul", "MFLOP", "1 thread", "rows", "cols", "planned", "plan", "GFLOP/s 1", "GFLOP/s 2", "speed-up"], rows) +
    `\nsmallest MFLOP from which every larger matmul gains ≥ 5 %: ${Number.isFinite(threshold) ? fixed(threshold, 2) : "none"}` +
    ` (shipped threshold: ${fixed(SHIPPED_MIN_FLOP / 1e6, 2)} MFLOP)`;
  return { table, threshold };
}

function shapeOf(s: Shape) {
  const rows = s.tA ? s.a[1] : s.a[0];
  const inner = s.tA ? s.a[0] : s.a[1];
  return { rows, inner, cols: s.tB ? s.b[0] : s.b[1], transposeA: s.tA, transposeB: s.tB };
}

/** One training step to time: awaits what a trainer awaits (the loss), then cleans up. */
interface Trainee { name: string; mflopPerStep: number; step(): Promise<void>; dispose(): void }

function raw(program: TrainingProgram, name: string): Trainee {
  return {
    name,
    mflopPerStep: program.mflopPerStep,
    async step() {
      const losses = program.step();
      await Promise.all(losses.map((l) => l.data()));
      tf.dispose(losses);
    },
    dispose: () => program.dispose(),
  };
}

/** tf.layers.dense MLP 784-256-128-10 trained with Adam through trainOnBatch (fused matmul + bias + relu). */
function layersMlp(): Trainee {
  const dense = (units: number, seed: number, extra: object) =>
    tf.layers.dense({ units, kernelInitializer: tf.initializers.glorotUniform({ seed }), ...extra });
  const model = tf.sequential({
    layers: [dense(256, 1, { inputShape: [784], activation: "relu" }), dense(128, 2, { activation: "relu" }), dense(10, 3, {})],
  });
  model.compile({ optimizer: tf.train.adam(1e-3), loss: "categoricalCrossentropy" });
  const xs = seeded([BATCH, 784], 5);
  const ys = tf.oneHot(tf.tensor1d(Array.from({ length: BATCH }, (_, j) => (j * 3) % 10), "int32"), 10);
  return {
    name: "layers MLP 784-256-128-10 (trainOnBatch)",
    mflopPerStep: (3 * 2 * BATCH * (784 * 256 + 256 * 128 + 128 * 10)) / 1e6,
    step: async () => void (await model.trainOnBatch(xs, ys)),
    dispose() {
      tf.dispose([xs, ys]);
      model.dispose();
    },
  };
}

/** Steps per configuration and rep. */
const PROGRAMS: Record<string, { make: () => Trainee; steps: number }> = {
  mlp: { make: () => raw(mlpClassifier(BATCH), "MLP 784-256-128-10 (raw tfjs)"), steps: 40 },
  layers: { make: layersMlp, steps: 40 },
  gan: { make: () => raw(mlpGan(BATCH), "MLP GAN G 64-256-512-784 / D 784-512-256-1"), steps: 12 },
};

/** Thread configurations of the training table: one thread, then two at each threshold. */
function trainingConfigs(): { label: string; minFlop: number; mode: Mode }[] {
  const thresholds = arg("thresholds", String(SHIPPED_MIN_FLOP / 1e6)).split(",").map(Number);
  return [
    { label: "1 thread", minFlop: SHIPPED_MIN_FLOP, mode: "one thread" },
    ...thresholds.map((t) => ({ label: `2 threads, ≥ ${t} MFLOP`, minFlop: t * 1e6, mode: "two threads" as Mode })),
  ];
}

async function trainingTable(names: string[]): Promise<string> {
  const configs = trainingConfigs();
  const ms = new Map<string, number[]>();
  const splitCount = new Map<string, number>();
  const runs = new Map<string, number>();
  const label = new Map<string, [string, number]>();
  const loads: number[] = [];
  for (const name of names) {
    const { results, loads: kept, tried } = await cleanReps(REPS, MAX_FOREIGN_LOAD, 12_000, async () => {
      const program = PROGRAMS[name].make();
      label.set(name, [program.name, program.mflopPerStep]);
      try {
        for (let i = 0; i < 5; i++) await program.step();
        // Configurations alternate step by step (same program, same data), so load from other
        // processes hits them alike; the order rotates so none always follows the same one.
        const times = configs.map(() => [] as number[]);
        for (let i = 0; i < PROGRAMS[name].steps; i++) {
          for (let j = 0; j < configs.length; j++) {
            const c = (i + j) % configs.length;
            useMode(configs[c].mode, configs[c].minFlop);
            const before = splits();
            const t0 = performance.now();
            await program.step();
            times[c].push(performance.now() - t0);
            const key = `${name}|${configs[c].label}`;
            splitCount.set(key, (splitCount.get(key) ?? 0) + splits() - before);
          }
        }
        return times.map(median);
      } finally {
        program.dispose();
      }
    });
    configs.forEach((c, k) => ms.set(`${name}|${c.label}`, results.map((r) => r[k])));
    runs.set(name, tried);
    loads.push(...kept);
    process.stderr.write(`${name}: foreign load ${kept.map((l) => fixed(l, 2)).join(" ")}\n`);
  }
  const rows: string[][] = [];
  for (const name of names) {
    const [title, mflop] = label.get(name)!;
    const one = median(ms.get(`${name}|1 thread`)!);
    for (const c of configs) {
      const list = ms.get(`${name}|${c.label}`)!;
      const m = median(list);
      rows.push([
        title, c.label, fixed(m, 2), `${fixed(Math.min(...list), 2)}–${fixed(Math.max(...list), 2)}`,
        `${fixed(one / m, 2)}×`, fixed(mflop / m, 1), fixed(splitCount.get(`${name}|${c.label}`)! / (runs.get(name)! * PROGRAMS[name].steps), 1),
      ]);
    }
  }
  return `Training steps, batch ${BATCH}, tuned wasm (ms/step: median of ${REPS} run medians, configurations alternating step by step; foreign load ${loadNote(loads)}; splitting paused ${payoffState.pauses}× by the payoff check)\n` +
    formatTable(["program", "threads", "ms/step", "spread", "speed-up", "GFLOP/s", "splits/step"], rows);
}

async function main(): Promise<void> {
  // This bench measures the copying worker, the fallback when the shared-heap pthreads are off or cannot start.
  process.env.TSLAB_LIGHTNING_WASM_PTHREADS = "0";
  process.env.TSLAB_LIGHTNING_OWN_GEMM = "0"; // plain matmuls would take our GEMM before the worker
  registerWasmTuning();
  if (!(await tf.setBackend("wasm"))) throw new Error("setBackend('wasm') failed");
  if (!(await whenWorkerReady())) {
    console.log("The matmul worker is off (one core, or TSLAB_LIGHTNING_WASM_THREADS=1): nothing to compare.");
    return;
  }
  const out: string[] = [];
  if (BENCHES.includes("matmul")) out.push((await matmulTable()).table);
  const names = BENCHES.filter((b) => b in PROGRAMS);
  if (names.length) out.push(await trainingTable(names));
  console.log(out.join("\n\n"));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
