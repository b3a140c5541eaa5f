// Benchmark (issue 4): the MLP, the MLP GAN and a DCGAN trained THROUGH OUR TRAINER on wasm as shipped, our tuned
// wasm and cpu, interleaved (rep 1: every config, rep 2: ...), next to PyTorch on the same machine. Each config runs in
// a fresh child process (the threaded wasm build is chosen when wasm first initializes, once per process), after one
// short warm-up fit, so every config starts from the same state.
// Per run: median ms between batch starts after 3 warm-up batches. Reported: median of run medians, GFLOP/s (FLOP
// model of the perf notes: MLP 3×forward, GANs 4·G + 9·D forward), the fraction of the machine's peaks measured in
// the same run (tuned-wasm matmul on one core; native sgemm on 1 and 2 cores via torch), and the ratio to PyTorch.
// PyTorch runs via /usr/bin/python3 test/bench/torch_anchor.py (Debian python3-torch); without it the table shows the
// figures measured on this machine class before (marked "earlier").
// The shared-heap pthread config runs in a child process per rep (the threaded build is chosen when the wasm backend
// first initializes, once per process); the other configs share this process, with the pthreads switched off.
//   node dist/test/bench/backend-trainer.js [--reps 3] [--benches mlp,gan,dcgan] [--configs shipped,tuned1,tuned,pthreads,xnnpack,cpu]
import * as tf from "@tensorflow/tfjs";
import "@tensorflow/tfjs-backend-wasm";
import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { performance } from "node:perf_hooks";
import { DataLoader, LightningModule, Trainer } from "../../kernel";
import { registerWasmTuning, unregisterWasmTuning } from "../../kernel/backend/wasm/register";
import { THREADS_ENV_VAR, whenWorkerReady } from "../../kernel/backend/wasm/parallel/worker-host";
import { pthreadCount, PTHREADS_ENV_VAR } from "../../kernel/backend/wasm/threads/pthreads";
import { OWN_GEMM_ENV_VAR } from "../../kernel/backend/wasm/gemm/own-gemm";
import { dcganParts, mlpGanParts, mlpParts, type GanParts, type MlpParts } from "../backend/training-programs";
import { fixed, formatTable, median } from "./backend-stats";
import { StepTimes } from "./step-times";
import { arg } from "./bench-args";

const QUICK = !!process.env.BENCH_QUICK;
const REPS = Number(arg("reps", QUICK ? "1" : "3"));
const BENCHES = arg("benches", "mlp,gan,dcgan").split(",");
const CONFIG_NAMES = arg("configs", "shipped,tuned1,tuned,pthreads,xnnpack,cpu").split(",");
/** Set in the child process that measures one config: prints {bench: median ms} as JSON. */
const CHILD = arg("child", "");
/** --serve <config>: one config kept alive, answering "<bench> <batches>" lines with {"ms": median} (backend-paired.ts). */
const SERVE = arg("serve", "");

const ALL_CONFIGS = [
  { key: "shipped", name: "wasm (as shipped)", backend: "wasm", tuned: false, threads: 1, pthreads: false, ownGemm: false },
  { key: "tuned1", name: "wasm (tuned, 1 thread)", backend: "wasm", tuned: true, threads: 1, pthreads: false, ownGemm: true },
  { key: "tuned", name: "wasm (tuned, 2 threads: copying matmul worker)", backend: "wasm", tuned: true, threads: 2, pthreads: false, ownGemm: true },
  { key: "pthreads", name: "wasm (tuned, 2 threads: shared-heap pthreads, the default)", backend: "wasm", tuned: true, threads: 2, pthreads: true, ownGemm: true },
  { key: "xnnpack", name: "same, all matmuls on XNNPACK (the default before our GEMM)", backend: "wasm", tuned: true, threads: 2, pthreads: true, ownGemm: false },
  { key: "cpu", name: "cpu", backend: "cpu", tuned: false, threads: 1, pthreads: false, ownGemm: false },
];
const CONFIGS = ALL_CONFIGS.filter((c) => CONFIG_NAMES.includes(c.key));

/** Batches per run (3 warm-up batches are dropped); cpu is 50–500× slower, so it gets a few. */
const BATCHES: Record<string, { fast: number; cpu: number }> = {
  mlp: { fast: QUICK ? 15 : 60, cpu: 5 },
  gan: { fast: QUICK ? 8 : 20, cpu: 4 },
  dcgan: { fast: QUICK ? 8 : 16, cpu: 4 },
};

/** Measured before on this machine class (2 vCPU, Debian python3-torch 1.13, OpenBLAS SkylakeX, 2 threads, PASSIVE). */
const EARLIER_TORCH = { mlp_ms: 1.44, gan_ms: 9.41, dcgan_ms: NaN, peak_gflops_1core: 158, peak_gflops_2core: 304 };


class MlpModule extends LightningModule {
  constructor(readonly parts: MlpParts) {
    super();
  }
  configureOptimizers() {
    return tf.train.adam(1e-3);
  }
  trainingStep(batch: { x: tf.Tensor; y: tf.Tensor }) {
    const loss = tf.losses.softmaxCrossEntropy(batch.y, this.parts.forward(batch.x)) as tf.Scalar;
    this.log("loss", loss, { progBar: true });
    return loss;
  }
}

class GanModule extends LightningModule {
  constructor(readonly parts: GanParts) {
    super();
    this.automaticOptimization = false;
  }
  configureOptimizers() {
    return [
      { optimizer: tf.train.adam(this.parts.lr, 0.5), params: this.parts.gVars },
      { optimizer: tf.train.adam(this.parts.lr, 0.5), params: this.parts.dVars },
    ];
  }
  trainingStep(batch: { x: tf.Tensor; z: tf.Tensor }) {
    const { generate: G, discriminate: D } = this.parts;
    const n = batch.x.shape[0];
    const ones = tf.ones([n, 1]);
    const zeros = tf.zeros([n, 1]);
    const [gOpt, dOpt] = this.optimizers();
    this.toggleOptimizer(dOpt);
    const dLoss = this.manualBackward(() => tf.add(
      tf.losses.sigmoidCrossEntropy(ones, D(batch.x)), tf.losses.sigmoidCrossEntropy(zeros, D(G(batch.z)))) as tf.Scalar);
    dOpt.step();
    dOpt.zeroGrad();
    this.untoggleOptimizer(dOpt);
    this.toggleOptimizer(gOpt);
    const gLoss = this.manualBackward(() => tf.losses.sigmoidCrossEntropy(ones, D(G(batch.z))) as tf.Scalar);
    gOpt.step();
    gOpt.zeroGrad();
    this.untoggleOptimizer(gOpt);
    this.logDict({ dLoss, gLoss }, { progBar: true });
  }
}

function repeatBatches(batches: tf.Tensor[], count: number): tf.Tensor {
  return tf.concat(Array.from({ length: count }, (_, i) => batches[i % batches.length]));
}

interface Workload {
  mflop: number;
  run(batches: number): Promise<number[]>;
}

function workload(name: string): Workload {
  const fit = async (module: LightningModule, data: Record<string, tf.Tensor>, batchSize: number, dispose: () => void): Promise<number[]> => {
    const timer = new StepTimes();
    const trainer = new Trainer({
      maxEpochs: 1, logger: false, enableCheckpointing: false, enableProgressBar: false, enableModelSummary: false,
      live: false, callbacks: [timer],
    });
    try {
      await trainer.fit(module, new DataLoader(data, { batchSize }));
    } finally {
      tf.dispose(Object.values(data));
      for (const o of trainer.optimizers) o.dispose();
      dispose();
    }
    return timer.times.slice(3);
  };
  if (name === "mlp") {
    const probe = mlpParts(64);
    tf.dispose([...probe.vars, ...probe.xs, ...probe.ys]);
    return {
      mflop: probe.mflopPerStep,
      run: (n) => {
        const p = mlpParts(64);
        const data = { x: repeatBatches(p.xs, n), y: repeatBatches(p.ys, n) };
        return fit(new MlpModule(p), data, p.xs[0].shape[0], () => tf.dispose([...p.vars, ...p.xs, ...p.ys]));
      },
    };
  }
  const make = name === "gan" ? () => mlpGanParts(64) : () => dcganParts();
  const probe = make();
  tf.dispose([...probe.gVars, ...probe.dVars, ...probe.reals, ...probe.noises]);
  return {
    mflop: probe.mflopPerStep,
    run: (n) => {
      const p = make();
      const data = { x: repeatBatches(p.reals, n), z: repeatBatches(p.noises, n) };
      return fit(new GanModule(p), data, p.batch, () => tf.dispose([...p.gVars, ...p.dVars, ...p.reals, ...p.noises]));
    },
  };
}

/** Sets up `c` in this (fresh) process. */
async function useConfig(c: (typeof CONFIGS)[number]): Promise<void> {
  process.env[THREADS_ENV_VAR] = String(c.threads);
  process.env[PTHREADS_ENV_VAR] = c.pthreads ? "1" : "0";
  process.env[OWN_GEMM_ENV_VAR] = c.ownGemm ? "1" : "0";
  if (c.tuned) registerWasmTuning();
  // The Trainer tunes a wasm backend the user activated, unless told otherwise: that is what "as shipped" needs.
  if (c.backend === "wasm" && !c.tuned) process.env.TSLAB_LIGHTNING_BACKEND = "wasm-untuned";
  if (!(await tf.setBackend(c.backend))) throw new Error(`setBackend(${c.backend}) failed`);
  if (c.pthreads && pthreadCount() < 2) throw new Error("the wasm pthreads did not start");
  if (c.tuned && !c.pthreads && c.threads > 1 && !(await whenWorkerReady())) throw new Error("the matmul worker did not start");
}

/** The tuned wasm backend's matmul rate on one core (a large square-ish product, XNNPACK's best case). */
async function wasmPeakGflops(): Promise<number> {
  unregisterWasmTuning();
  process.env[THREADS_ENV_VAR] = "1";
  registerWasmTuning();
  await tf.setBackend("wasm");
  const a = tf.randomUniform([512, 1024]);
  const b = tf.randomUniform([1024, 1024]);
  const times: number[] = [];
  for (let i = 0; i < 12; i++) {
    const t0 = performance.now();
    const c = tf.matMul(a, b);
    await c.data();
    c.dispose();
    times.push(performance.now() - t0);
  }
  tf.dispose([a, b]);
  return (2 * 512 * 1024 * 1024) / (median(times.slice(2)) / 1000) / 1e9;
}

interface TorchFigures { mlp_ms: number; gan_ms: number; dcgan_ms: number; peak_gflops_1core: number; peak_gflops_2core: number; source: string }

const TORCH_SCRIPT = join(__dirname, "..", "..", "..", "test", "bench", "torch_anchor.py");

function runTorch(extraArgs: string[], env: Record<string, string>) {
  return spawnSync("/usr/bin/python3", [TORCH_SCRIPT, ...extraArgs], {
    env: { ...process.env, OPENBLAS_CORETYPE: "SkylakeX", OMP_WAIT_POLICY: "PASSIVE", ...env },
    encoding: "utf8",
    timeout: 300_000,
  });
}

function torchFigures(): TorchFigures {
  const r = runTorch(["--steps", QUICK ? "20" : "60"], {});
  const line = (r.stdout ?? "").trim().split("\n").pop() ?? "";
  try {
    const j = JSON.parse(line);
    // OpenBLAS keeps its own thread pool: the 1-core peak needs a process limited to one thread.
    const one = JSON.parse((runTorch(["--peak-only"], { OPENBLAS_NUM_THREADS: "1", OMP_NUM_THREADS: "1" }).stdout ?? "").trim().split("\n").pop() ?? "{}");
    if (typeof one.peak_gflops === "number") j.peak_gflops_1core = one.peak_gflops;
    return { ...j, source: `measured now (torch ${j.torch}, ${j.threads} threads)` };
  } catch {
    const why = r.error ? r.error.message : (r.stderr ?? "").trim().split("\n").pop();
    return { ...EARLIER_TORCH, source: `earlier figures on this machine class (torch not runnable here: ${why})` };
  }
}

/** One rep of config `key` in a fresh process. */
function runChild(key: string): Record<string, number | string> {
  const r = spawnSync(process.execPath, [__filename, "--child", key, "--benches", BENCHES.join(",")], { encoding: "utf8", timeout: 900_000 });
  try {
    return JSON.parse((r.stdout ?? "").trim().split("\n").pop() ?? "");
  } catch {
    const why = r.error ? r.error.message : (r.stderr ?? "").trim().split("\n").pop();
    return Object.fromEntries(BENCHES.map((b) => [b, `n/a: ${String(why).slice(0, 60)}`]));
  }
}

async function child(key: string): Promise<void> {
  const config = CONFIGS.find((c) => c.key === key);
  if (!config) throw new Error(`unknown config ${key}`);
  const out: Record<string, number | string> = {};
  try {
    await useConfig(config);
  } catch (e) {
    for (const bench of BENCHES) out[bench] = `n/a: ${(e as Error).message.split("\n")[0].slice(0, 60)}`;
    console.log(JSON.stringify(out));
    return;
  }
  for (const bench of BENCHES) {
    const n = config.backend === "cpu" ? BATCHES[bench].cpu : BATCHES[bench].fast;
    try {
      const load = workload(bench);
      // A first fit of the same length warms the JIT and the backend (a fresh process's first fit runs 10–30 % slower).
      await load.run(config.backend === "cpu" ? 2 : n + 3);
      out[bench] = median(await load.run(n + 3));
    } catch (e) {
      out[bench] = `n/a: ${(e as Error).message.split("\n")[0].slice(0, 60)}`;
    }
  }
  console.log(JSON.stringify(out));
}

/** Bursts on demand for backend-paired.ts: one fit of `batches` (+3 warm-up) per line, its median step time. */
async function serve(key: string): Promise<void> {
  const config = ALL_CONFIGS.find((c) => c.key === key);
  if (!config) throw new Error(`unknown config ${key}`);
  await useConfig(config);
  const loads = new Map<string, Workload>();
  console.log(JSON.stringify({ ready: true }));
  const readline = await import("node:readline");
  for await (const line of readline.createInterface({ input: process.stdin })) {
    const [bench, n] = line.trim().split(/\s+/);
    if (!loads.has(bench)) loads.set(bench, workload(bench));
    console.log(JSON.stringify({ ms: median(await loads.get(bench)!.run(Number(n) + 3)) }));
  }
}

async function main() {
  if (CHILD) return child(CHILD);
  if (SERVE) return serve(SERVE);
  // This process only measures the peaks (one thread, no pthreads); every config runs in its own child process.
  process.env[PTHREADS_ENV_VAR] = "0";
  const torchRuns: TorchFigures[] = [];
  const results = new Map<string, (number | string)[]>();
  await tf.setBackend("cpu"); // the FLOP probes build (and free) small tensors
  const loads = new Map(BENCHES.map((b) => [b, workload(b)]));
  const peaks: number[] = [];
  for (let rep = 0; rep < REPS; rep++) {
    torchRuns.push(torchFigures());
    peaks.push(await wasmPeakGflops());
    for (const config of CONFIGS) {
      const got = runChild(config.key);
      for (const bench of BENCHES) {
        const key = `${bench}|${config.key}`;
        results.set(key, [...(results.get(key) ?? []), got[bench] ?? "n/a"]);
        process.stderr.write(`rep ${rep + 1} ${key}: ${typeof got[bench] === "number" ? (got[bench] as number).toFixed(2) + " ms" : got[bench]}\n`);
      }
    }
  }
  const torch = torchRuns[torchRuns.length - 1];
  const torchRepMs = (t: TorchFigures, b: string) => (b === "mlp" ? t.mlp_ms : b === "gan" ? t.gan_ms : t.dcgan_ms ?? NaN);
  const torchMs = (b: string) => median(torchRuns.map((t) => torchRepMs(t, b)));
  // The host's speed drifts by 10–40 % between minutes: each rep's wasm time over the PyTorch time of the same rep.
  const repRatios = (b: string, rs: (number | string)[]) =>
    rs.map((r, i) => (typeof r === "number" ? r / torchRepMs(torchRuns[i], b) : NaN)).filter(Number.isFinite).sort((x, y) => x - y);
  const wasmPeak = median(peaks);
  const nativePeak2 = median(torchRuns.map((t) => t.peak_gflops_2core));
  const rows: string[][] = [];
  for (const bench of BENCHES) {
    const mflop = loads.get(bench)!.mflop;
    for (const config of CONFIGS) {
      const rs = results.get(`${bench}|${config.key}`) ?? [];
      const ok = rs.filter((r): r is number => typeof r === "number");
      if (ok.length === 0) {
        rows.push([bench, config.name, String(rs[0] ?? "n/a"), "", "", "", ""]);
        continue;
      }
      const ms = median(ok);
      const gflops = mflop / ms;
      const t = torchMs(bench);
      const pairs = repRatios(bench, rs);
      const perRep = pairs.length > 1 ? `; per rep ${fixed(median(pairs), 2)}× (${fixed(pairs[0], 2)}–${fixed(pairs[pairs.length - 1], 2)})` : "";
      rows.push([bench, config.name, fixed(ms, 2), fixed(gflops, 2), `${fixed((100 * gflops) / wasmPeak, 0)} %`,
        `${fixed((100 * gflops) / nativePeak2, 1)} %`, Number.isFinite(t) ? `${fixed(ms / t, 2)}×${perRep} (goal ≤ 2)` : "–"]);
    }
    const t = torchMs(bench);
    if (Number.isFinite(t)) rows.push([bench, "PyTorch (reference)", fixed(t, 2), fixed(mflop / t, 1), `${fixed((100 * mflop / t) / wasmPeak, 0)} %`, `${fixed((100 * mflop / t) / nativePeak2, 1)} %`, "1×"]);
  }
  console.log(`\nTraining through Trainer.fit, ${REPS} interleaved reps (median of run medians). FLOP model: MLP 3×forward, GANs 4·G + 9·D forward.`);
  console.log("vs PyTorch: the ratio of the medians, then the median and range of each rep's ratio to PyTorch's run of that rep.");
  console.log(`Peaks measured in this run: tuned wasm matmul on 1 core ${fixed(wasmPeak, 1)} GFLOP/s; native sgemm ${fixed(median(torchRuns.map((t) => t.peak_gflops_1core)), 0)} GFLOP/s on 1 core, ${fixed(nativePeak2, 0)} on 2 cores.`);
  console.log(`PyTorch: ${torch.source}.\n`);
  console.log(formatTable(["bench", "backend", "ms/step", "GFLOP/s", "% of wasm 1-core peak", "% of native 2-core peak", "vs PyTorch"], rows));
}

main().catch((e) => {
  console.error(e);
  process.exit(1);
});
