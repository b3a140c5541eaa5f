// Benchmark: raw tfjs GAN training steps on webgpu vs wasm (tuned, as selectBackend activates it) vs cpu.
//   node dist/test/bench/webgpu.js                 (env: BENCH_STEPS=10, BENCH_BACKENDS=webgpu,wasm,cpu)
// On a machine without a GPU, set TSLAB_LIGHTNING_LAVAPIPE_DIR (from .ci/install-lavapipe.sh): the bench then
// re-runs itself with the lavapipe environment. The first step (shader compilation on webgpu, kernel warm-up
// elsewhere) is reported apart from the median of the following steps. Prints a table; asserts nothing.
import { spawnSync } from "node:child_process";
import * as tf from "@tensorflow/tfjs";
import { initWebgpu } from "../../kernel/backend/webgpu";
import { registerWasmTuning } from "../../kernel/backend/wasm/register";
import { findLavapipeDir, lavapipeEnv } from "../webgpu/lavapipe-env";
import { denseForward, denseLayers, denseVars, disposeAll, glorot, lcgTensor, lcgVariable } from "../webgpu/workloads";

const BATCH = 64;
const Z = 64;

interface GanModel {
  name: string;
  /** One D step then one G step; returns [dLoss, gLoss] tensors. */
  step(): { d: tf.Scalar; g: tf.Scalar };
  dispose(): void;
}

function bce(logits: tf.Tensor, label: number): tf.Scalar {
  return tf.losses.sigmoidCrossEntropy(tf.fill(logits.shape, label), logits) as tf.Scalar;
}

/** Shared GAN step: D on real (label 1) + fake (label 0), then G to make D say 1. Adam(2e-4, 0.5) each. */
function ganStep(
  gen: (z: tf.Tensor) => tf.Tensor,
  disc: (x: tf.Tensor) => tf.Tensor,
  gVars: tf.Variable[],
  dVars: tf.Variable[],
  real: tf.Tensor,
  zShape: number[],
  optD: tf.Optimizer,
  optG: tf.Optimizer,
  seed: { n: number },
): { d: tf.Scalar; g: tf.Scalar } {
  const z1 = tf.randomNormal(zShape, 0, 1, "float32", seed.n++);
  const d = optD.minimize(() => tf.add(bce(disc(real), 1), bce(disc(gen(z1)), 0)) as tf.Scalar, true, dVars)!;
  const z2 = tf.randomNormal(zShape, 0, 1, "float32", seed.n++);
  const g = optG.minimize(() => bce(disc(gen(z2)), 1), true, gVars)!;
  tf.dispose([z1, z2]);
  return { d, g };
}

/** Wraps generator/discriminator functions and their variables into a GanModel with two Adam(2e-4, 0.5). */
function ganModel(
  name: string,
  gen: (z: tf.Tensor) => tf.Tensor,
  disc: (x: tf.Tensor) => tf.Tensor,
  gVars: tf.Variable[],
  dVars: tf.Variable[],
  real: tf.Tensor,
): GanModel {
  const optD = tf.train.adam(2e-4, 0.5);
  const optG = tf.train.adam(2e-4, 0.5);
  const seed = { n: 1 };
  const zShape = [real.shape[0], Z];
  return {
    name,
    step: () => ganStep(gen, disc, gVars, dVars, real, zShape, optD, optG, seed),
    dispose: () => {
      disposeAll([...gVars, ...dVars]);
      real.dispose();
      optD.dispose();
      optG.dispose();
    },
  };
}

function mlpGan(): GanModel {
  const gLayers = denseLayers([Z, 256, 512, 784], 1000, "mlpgan_g");
  const dLayers = denseLayers([784, 512, 256, 1], 2000, "mlpgan_d");
  const gVars = denseVars(gLayers);
  const dVars = denseVars(dLayers);
  const real = lcgTensor([BATCH, 784], 3000);
  const leaky = (t: tf.Tensor) => tf.leakyRelu(t, 0.2);
  const gen = (z: tf.Tensor) => tf.tanh(denseForward(z, gLayers));
  const disc = (x: tf.Tensor) => denseForward(x, dLayers, leaky);
  return ganModel("MLP GAN (G 64-256-512-784, D 784-512-256-1, b64)", gen, disc, gVars, dVars, real);
}

/** Small DCGAN on 28×28×1, batch 32: G dense→7×7×32→deconv 16 (14×14)→deconv 1 (28×28); D conv 16 s2→conv 32 s2→dense. */
function dcgan(): GanModel {
  const B = 32;
  const [c1, c2] = [16, 32];
  const v = lcgVariable;
  const gW = v([Z, 7 * 7 * c2], 4000, glorot(Z, 7 * 7 * c2), "dcgan_gw");
  const gB = v([7 * 7 * c2], 4001, 0.01, "dcgan_gb");
  const gF1 = v([4, 4, c1, c2], 4002, glorot(16 * c2, 16 * c1), "dcgan_gf1"); // [h, w, out, in]
  const gF2 = v([4, 4, 1, c1], 4003, glorot(16 * c1, 16), "dcgan_gf2");
  const dF1 = v([4, 4, 1, c1], 4004, glorot(16, 16 * c1), "dcgan_df1");
  const dF2 = v([4, 4, c1, c2], 4005, glorot(16 * c1, 16 * c2), "dcgan_df2");
  const dW = v([7 * 7 * c2, 1], 4006, glorot(7 * 7 * c2, 1), "dcgan_dw");
  const gVars = [gW, gB, gF1, gF2];
  const dVars = [dF1, dF2, dW];
  const real = lcgTensor([B, 28, 28, 1], 4100);
  const gen = (z: tf.Tensor) => {
    const h0 = tf.relu(tf.add(tf.matMul(z, gW), gB)).reshape([-1, 7, 7, c2]) as tf.Tensor4D;
    const h1 = tf.relu(tf.conv2dTranspose(h0, gF1 as tf.Tensor4D, [B, 14, 14, c1], 2, "same"));
    return tf.tanh(tf.conv2dTranspose(h1, gF2 as tf.Tensor4D, [B, 28, 28, 1], 2, "same"));
  };
  const disc = (x: tf.Tensor) => {
    const h1 = tf.leakyRelu(tf.conv2d(x as tf.Tensor4D, dF1 as tf.Tensor4D, 2, "same"), 0.2);
    const h2 = tf.leakyRelu(tf.conv2d(h1, dF2 as tf.Tensor4D, 2, "same"), 0.2);
    return tf.matMul(h2.reshape([B, 7 * 7 * c2]), dW);
  };
  const name = `DCGAN 28x28 (G dense+deconv ${c1}+deconv 1, D conv ${c1}+conv ${c2}+dense, b${B})`;
  return ganModel(name, gen, disc, gVars, dVars, real);
}

interface Row {
  backend: string;
  workload: string;
  firstMs?: number;
  medianMs?: number;
  steps?: number;
  losses?: string;
  note?: string;
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

async function timeWorkload(backend: string, make: () => GanModel, steps: number): Promise<Row> {
  const model = make();
  try {
    const times: number[] = [];
    let last = [NaN, NaN];
    for (let i = 0; i <= steps; i++) {
      const t0 = performance.now();
      const { d, g } = model.step();
      const [dv, gv] = await Promise.all([d.data(), g.data()]); // async read: waits for the GPU queue too
      times.push(performance.now() - t0);
      last = [dv[0], gv[0]];
      tf.dispose([d, g]);
    }
    return {
      backend,
      workload: model.name,
      firstMs: times[0],
      medianMs: median(times.slice(1)),
      steps,
      losses: `D ${last[0].toFixed(3)} G ${last[1].toFixed(3)}`,
    };
  } catch (err) {
    return { backend, workload: model.name, note: `failed: ${String((err as Error).message).split("\n")[0]}` };
  } finally {
    model.dispose();
  }
}

async function activate(backend: string): Promise<string | undefined> {
  if (backend === "webgpu") {
    const hw = await initWebgpu({ allowSoftware: false });
    if (hw.ok) return `HARDWARE adapter: ${String(hw.adapter.name)} (${String(hw.adapter.vendor)}, ${String(hw.adapter.architecture)})`;
    const sw = await initWebgpu({ allowSoftware: true });
    if (!sw.ok) throw new Error(sw.reason);
    return `SOFTWARE adapter (no GPU found): ${String(sw.adapter.name)} — webgpu numbers here are a CPU rasterizer, not a GPU`;
  }
  if (backend === "wasm") registerWasmTuning();
  if (!(await tf.setBackend(backend))) throw new Error(`tf.setBackend('${backend}') returned false`);
  return undefined;
}

function printTable(rows: Row[]): void {
  const head = ["backend", "workload", "first step ms", "median ms/step", "steps", "final losses / note"];
  const body = rows.map((r) => [
    r.backend,
    r.workload,
    r.firstMs == null ? "-" : r.firstMs.toFixed(0),
    r.medianMs == null ? "-" : r.medianMs.toFixed(1),
    r.steps == null ? "-" : String(r.steps),
    r.note ?? r.losses ?? "",
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const line = (cells: string[]) => `| ${cells.map((c, i) => c.padEnd(widths[i])).join(" | ")} |`;
  console.log(line(head));
  console.log(`|${widths.map((w) => "-".repeat(w + 2)).join("|")}|`);
  for (const b of body) console.log(line(b));
}

export async function main(): Promise<void> {
  const steps = Number(process.env.BENCH_STEPS ?? 10);
  const backends = (process.env.BENCH_BACKENDS ?? "webgpu,wasm,cpu").split(",").map((s) => s.trim()).filter(Boolean);
  const rows: Row[] = [];
  const notes: string[] = [];
  for (const backend of backends) {
    try {
      const note = await activate(backend);
      if (note) notes.push(`${backend}: ${note}`);
    } catch (err) {
      notes.push(`${backend}: unavailable: ${String((err as Error).message).split("\n")[0]}`);
      continue;
    }
    // cpu is ~10x slower than the others on these sizes: fewer timed steps keep the bench short.
    const n = backend === "cpu" ? Math.max(2, Math.ceil(steps / 3)) : steps;
    for (const make of [mlpGan, dcgan]) rows.push(await timeWorkload(backend, make, n));
  }
  console.log(`\nGAN training steps, raw tfjs (node ${process.version}, ${require("node:os").cpus().length} cores)`);
  for (const n of notes) console.log(`  ${n}`);
  printTable(rows);
}

function needsLavapipeReexec(): NodeJS.ProcessEnv | undefined {
  if (process.env.VK_DRIVER_FILES || process.env.TSLAB_LIGHTNING_BENCH_CHILD) return undefined;
  const { dir } = findLavapipeDir();
  return dir ? { ...lavapipeEnv(dir), TSLAB_LIGHTNING_BENCH_CHILD: "1" } : undefined;
}

if (require.main === module) {
  const env = needsLavapipeReexec();
  if (env) {
    const r = spawnSync(process.execPath, [__filename], { env, stdio: "inherit" });
    process.exit(r.status ?? 1);
  }
  main().catch((err) => {
    console.error(err);
    process.exitCode = 1;
  });
}
