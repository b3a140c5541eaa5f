// Benchmark: raw tfjs training steps on wasm as shipped, tuned wasm and cpu, interleaved in one
// process (rep 1: every config, rep 2: every config, ...). Per run: median ms/step after warm-up;
// reported: median of the run medians, their min–max, GFLOP/s (perf notes §4 FLOP model), ratio
// to shipped wasm, numTensors after warm-up → after the timed loop. Asserts nothing.
//   node dist/test/bench/backend.js [--reps 3] [--steps 30] [--cpuSteps 4] [--benches mlp,gan,dcgan,matmul]
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { performance } from "node:perf_hooks";
import { registerWasmTuning, unregisterWasmTuning } from "../../kernel/backend/wasm/register";
import { seeded } from "../backend/on-backends";
import { dcgan, mlpClassifier, mlpGan, type TrainingProgram } from "../backend/training-programs";
import { fixed, formatTable, median } from "./backend-stats";
import { arg } from "./bench-args";

const REPS = Number(arg("reps", "3"));
const STEPS = Number(arg("steps", "30"));
const CPU_STEPS = Number(arg("cpuSteps", "4"));
const BENCHES = arg("benches", "mlp,gan,dcgan,matmul").split(",");

const CONFIGS = [
  { name: "wasm (shipped)", backend: "wasm", tuned: false },
  { name: "wasm (tuned)", backend: "wasm", tuned: true },
  { name: "cpu", backend: "cpu", tuned: false },
] as const;
type Config = (typeof CONFIGS)[number];

const PROGRAMS: Record<string, () => TrainingProgram> = { mlp: () => mlpClassifier(64), gan: () => mlpGan(64), dcgan: () => dcgan() };

async function useConfig(config: Config): Promise<void> {
  if (config.tuned) registerWasmTuning();
  else unregisterWasmTuning();
  if (!(await tf.setBackend(config.backend))) throw new Error(`setBackend(${config.backend}) failed`);
}

/** Tensor counts are relative to before the program was built (params, Adam slots, data batches). */
interface Run { msPerStep: number; tensorsAfterWarmup: number; tensorsAfterLoop: number }

async function timeProgram(make: () => TrainingProgram, steps: number, warmup: number): Promise<Run> {
  const baseline = tf.memory().numTensors;
  const program = make();
  try {
    const step = async () => {
      const losses = program.step();
      await Promise.all(losses.map((l) => l.data())); // a trainer reads the loss every step
      tf.dispose(losses);
    };
    for (let i = 0; i < warmup; i++) await step();
    const tensorsAfterWarmup = tf.memory().numTensors - baseline;
    const times: number[] = [];
    for (let i = 0; i < steps; i++) {
      const t0 = performance.now();
      await step();
      times.push(performance.now() - t0);
    }
    return { msPerStep: median(times), tensorsAfterWarmup, tensorsAfterLoop: tf.memory().numTensors - baseline };
  } finally {
    program.dispose();
  }
}

async function trainingTable(): Promise<string> {
  const names = BENCHES.filter((b) => b in PROGRAMS);
  const runs = new Map<string, (Run | string)[]>();
  const mflop = new Map(names.map((n) => { const p = PROGRAMS[n](); const m = p.mflopPerStep; p.dispose(); return [n, m]; }));
  for (let rep = 0; rep < REPS; rep++) {
    for (const config of CONFIGS) {
      await useConfig(config);
      for (const name of names) {
        const cpu = config.backend === "cpu";
        // cpu DCGAN steps take tens of seconds (scalar conv gradients): one timed step, no warm-up.
        const steps = cpu ? (name === "dcgan" ? 1 : CPU_STEPS) : name === "mlp" ? STEPS * 3 : STEPS;
        const warmup = cpu ? (name === "dcgan" ? 0 : 1) : 5;
        const key = `${name}|${config.name}`;
        let result: Run | string;
        try {
          result = await timeProgram(PROGRAMS[name], steps, warmup);
        } catch (err) {
          result = `n/a: ${(err as Error).message.split("\n")[0].slice(0, 70)}`;
        }
        runs.set(key, [...(runs.get(key) ?? []), result]);
        process.stderr.write(`rep ${rep + 1} ${key}: ${typeof result === "string" ? result : result.msPerStep.toFixed(2) + " ms"}\n`);
      }
    }
  }
  const rows: string[][] = [];
  for (const name of names) {
    const shipped = medianOf(runs.get(`${name}|wasm (shipped)`));
    for (const config of CONFIGS) {
      const list = runs.get(`${name}|${config.name}`) ?? [];
      const failure = list.find((r): r is string => typeof r === "string");
      const ok = list.filter((r): r is Run => typeof r !== "string");
      if (failure || ok.length === 0) {
        rows.push([name, config.name, failure ?? "–", "", "", "", ""]);
        continue;
      }
      const ms = ok.map((r) => r.msPerStep);
      const m = median(ms);
      rows.push([
        name, config.name, fixed(m, 2), `${fixed(Math.min(...ms), 2)}–${fixed(Math.max(...ms), 2)}`,
        fixed(mflop.get(name)! / m, 2), Number.isFinite(shipped) ? `${fixed(shipped / m, 2)}×` : "–",
        `${ok[0].tensorsAfterWarmup}→${ok[0].tensorsAfterLoop}`,
      ]);
    }
  }
  const flops = names.map((n) => `${n} ${fixed(mflop.get(n)!, 1)} MFLOP/step`).join(", ");
  return `Training steps (reps ${REPS}; wasm ${STEPS} steps (mlp ${STEPS * 3}) after 5 warm-up, cpu ${CPU_STEPS} after 1 (dcgan 1 after 0); ${flops})\n` +
    formatTable(["bench", "backend", "ms/step", "spread", "GFLOP/s", "speed-up vs shipped wasm", "numTensors warm-up→loop"], rows);
}

function medianOf(list: (Run | string)[] | undefined): number {
  const ok = (list ?? []).filter((r): r is Run => typeof r !== "string");
  return ok.length ? median(ok.map((r) => r.msPerStep)) : NaN;
}

/** The matmuls of an MLP step, by operand layout: GFLOP/s per config (wasm only; cpu is ~0.7). */
async function matmulTable(): Promise<string> {
  const shapes: { label: string; a: number[]; b: number[]; tA: boolean; tB: boolean }[] = [
    { label: "64×784·784×256 (forward)", a: [64, 784], b: [784, 256], tA: false, tB: false },
    { label: "784×64ᵀ·64×256 (weight grad, tA)", a: [64, 784], b: [64, 256], tA: true, tB: false },
    { label: "64×256·(784×256)ᵀ (input grad, tB)", a: [64, 256], b: [784, 256], tA: false, tB: true },
  ];
  const gflops = new Map<string, number[]>();
  for (let rep = 0; rep < REPS; rep++) {
    for (const config of CONFIGS.filter((c) => c.backend === "wasm")) {
      await useConfig(config);
      for (const s of shapes) {
        const a = seeded(s.a, 1);
        const b = seeded(s.b, 2);
        const times: number[] = [];
        for (let i = 0; i < 60; i++) {
          const t0 = performance.now();
          const y = tf.matMul(a, b, s.tA, s.tB);
          await y.data();
          times.push(performance.now() - t0);
          y.dispose();
        }
        tf.dispose([a, b]);
        const m = s.tA ? s.a[1] : s.a[0];
        const k = s.tA ? s.a[0] : s.a[1];
        const n = s.tB ? s.b[0] : s.b[1];
        const key = `${s.label}|${config.name}`;
        gflops.set(key, [...(gflops.get(key) ?? []), (2 * m * k * n) / 1e6 / median(times.slice(10))]);
      }
    }
  }
  const rows = shapes.map((s) => {
    const shipped = median(gflops.get(`${s.label}|wasm (shipped)`)!);
    const tuned = median(gflops.get(`${s.label}|wasm (tuned)`)!);
    return [s.label, fixed(shipped, 2), fixed(tuned, 2), `${fixed(tuned / shipped, 2)}×`];
  });
  return `matMul GFLOP/s incl. async read (median of ${REPS} run medians)\n` +
    formatTable(["matmul", "wasm shipped", "wasm tuned", "ratio"], rows);
}

async function main(): Promise<void> {
  const out: string[] = [];
  if (BENCHES.includes("matmul")) out.push(await matmulTable());
  if (BENCHES.some((b) => b in PROGRAMS)) out.push(await trainingTable());
  console.log(out.join("\n\n"));
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
