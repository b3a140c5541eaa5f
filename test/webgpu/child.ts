// Child process for the webgpu tests: Dawn setup is process-global and LD_LIBRARY_PATH must be set before the
// process starts, so each task runs here, in a fresh node, and prints one line `RESULT <json>` for the parent.
//   node dist/test/webgpu/child.js adapter|numerics|syncread|init-only
// Run without a task it does nothing (so a test runner that happens to load it sees no tests).
import * as tf from "@tensorflow/tfjs";
import { initWebgpu, SYNC_READ_ERROR_MESSAGE } from "../../kernel/backend/webgpu";
import {
  denseForward,
  denseLayers,
  denseVars,
  disposeAll,
  lcgOneHot,
  lcgTensor,
  lcgVariable,
  glorot,
} from "./workloads";
import { relativeError as relErr } from "../backend/on-backends";

type Json = Record<string, unknown>;

async function adapterTask(): Promise<Json> {
  const refused = await initWebgpu({ allowSoftware: false });
  const backendAfterRefusal = tf.engine().backendName ?? null;
  const g = globalThis as { navigator?: { gpu?: unknown }; GPUBufferUsage?: unknown };
  const globalsAfterRefusal = { navigatorGpu: g.navigator?.gpu !== undefined, GPUBufferUsage: g.GPUBufferUsage !== undefined };
  const accepted = await initWebgpu({ allowSoftware: true });
  const globalsAfterAccept = { navigatorGpu: g.navigator?.gpu !== undefined, GPUBufferUsage: g.GPUBufferUsage !== undefined };
  return { refused, backendAfterRefusal, globalsAfterRefusal, accepted, globalsAfterAccept, backend: tf.getBackend() };
}

async function initOnlyTask(): Promise<Json> {
  return { result: await initWebgpu({ allowSoftware: true }) };
}

async function syncReadTask(): Promise<Json> {
  const init = await initWebgpu({ allowSoftware: true });
  if (!init.ok) return { init };
  const y = tf.matMul(lcgTensor([64, 64], 1), lcgTensor([64, 64], 2));
  const errors: Json = {};
  const attempts: Record<string, () => unknown> = {
    dataSync: () => y.dataSync(),
    arraySync: () => y.arraySync(),
    print: () => y.print(),
  };
  for (const [name, f] of Object.entries(attempts)) {
    try {
      f();
      errors[name] = null;
    } catch (err) {
      errors[name] = { name: (err as Error).name, message: (err as Error).message };
    }
  }
  const asyncValues = await y.data();
  tf.setBackend("cpu");
  const want = tf.matMul(lcgTensor([64, 64], 1), lcgTensor([64, 64], 2)).dataSync();
  return {
    init,
    errors,
    expected: SYNC_READ_ERROR_MESSAGE,
    asyncRelErr: relErr(asyncValues, want),
    // after an async read the values are cached on the CPU, so a later dataSync() works
    dataSyncAfterAsyncRelErr: await (async () => {
      await tf.setBackend("webgpu");
      return relErr(y.dataSync(), want);
    })(),
  };
}

// ---- numerics: the same computations on cpu and webgpu ----------------------------------------------------

async function values(vars: tf.Tensor[]): Promise<Float32Array[]> {
  return Promise.all(vars.map(async (v) => (await v.data()) as Float32Array));
}

async function matmulRun(): Promise<Float32Array[]> {
  const y = tf.tidy(() => tf.matMul(lcgTensor([128, 96], 11), lcgTensor([96, 64], 12)));
  const out = await values([y]);
  y.dispose();
  return out;
}

/** MLP 32-64-64-10, batch 64, softmax cross-entropy, Adam(1e-2), 5 steps: losses + final weights + tensor counts. */
async function mlpRun(): Promise<{ losses: number[]; weights: Float32Array[]; numTensors: number[] }> {
  const layers = denseLayers([32, 64, 64, 10], 100, "mlp");
  const vars = denseVars(layers);
  const x = lcgTensor([64, 32], 21);
  const yTrue = lcgOneHot(64, 10, 22);
  const opt = tf.train.adam(1e-2);
  const losses: number[] = [];
  const numTensors: number[] = [];
  for (let step = 0; step < 5; step++) {
    const loss = opt.minimize(() => tf.losses.softmaxCrossEntropy(yTrue, denseForward(x, layers)) as tf.Scalar, true, vars);
    losses.push((await loss!.data())[0]);
    loss!.dispose();
    numTensors.push(tf.memory().numTensors);
  }
  const weights = await values(vars);
  opt.dispose();
  disposeAll(vars);
  x.dispose();
  yTrue.dispose();
  return { losses, weights, numTensors };
}

/** conv2d(3→8, s2) + relu + conv2dTranspose(8→3, s2) on 4×16×16×3: gradients, then one Adam step. */
async function convRun(): Promise<{ loss: number; grads: Float32Array[]; updated: Float32Array[] }> {
  const f1 = lcgVariable([3, 3, 3, 8], 31, glorot(27, 72), "f1");
  const b1 = lcgVariable([8], 32, 0.01, "b1");
  const f2 = lcgVariable([3, 3, 3, 8], 33, glorot(72, 27), "f2"); // [h, w, outDepth, inDepth]
  const b2 = lcgVariable([3], 34, 0.01, "b2");
  const vars = [f1, b1, f2, b2];
  const x = lcgTensor([4, 16, 16, 3], 35);
  const target = lcgTensor([4, 16, 16, 3], 36, 0.5);
  const f = () =>
    tf.tidy(() => {
      const h = tf.relu(tf.add(tf.conv2d(x as tf.Tensor4D, f1 as tf.Tensor4D, 2, "same"), b1));
      const y = tf.add(tf.conv2dTranspose(h as tf.Tensor4D, f2 as tf.Tensor4D, [4, 16, 16, 3], 2, "same"), b2);
      return tf.losses.meanSquaredError(target, y) as tf.Scalar;
    });
  const { value, grads } = tf.variableGrads(f, vars);
  const loss = (await value.data())[0];
  const gradList = vars.map((v) => grads[v.name]);
  const gradValues = await values(gradList);
  const opt = tf.train.adam(1e-2);
  opt.applyGradients(vars.map((v) => ({ name: v.name, tensor: grads[v.name] })));
  const updated = await values(vars);
  value.dispose();
  tf.dispose(gradList);
  opt.dispose();
  disposeAll(vars);
  x.dispose();
  target.dispose();
  return { loss, grads: gradValues, updated };
}

async function numericsTask(): Promise<Json> {
  const init = await initWebgpu({ allowSoftware: true });
  if (!init.ok) return { init };
  // Run every op on the GPU (tfjs otherwise computes tiny ops on the CPU side of the webgpu backend).
  tf.env().set("WEBGPU_CPU_FORWARD", false);
  const runs: Record<string, { matmul: Float32Array[]; mlp: Awaited<ReturnType<typeof mlpRun>>; conv: Awaited<ReturnType<typeof convRun>> }> = {};
  for (const backend of ["cpu", "webgpu"]) {
    if (!(await tf.setBackend(backend))) throw new Error(`setBackend(${backend}) failed`);
    runs[backend] = { matmul: await matmulRun(), mlp: await mlpRun(), conv: await convRun() };
  }
  const cpu = runs.cpu;
  const gpu = runs.webgpu;
  return {
    init,
    matmul: relErr(gpu.matmul[0], cpu.matmul[0]),
    mlp: {
      lossesCpu: cpu.mlp.losses,
      lossesWebgpu: gpu.mlp.losses,
      lossRelErr: relErr(gpu.mlp.losses, cpu.mlp.losses),
      weightRelErr: gpu.mlp.weights.map((w, i) => relErr(w, cpu.mlp.weights[i])),
      numTensorsWebgpu: gpu.mlp.numTensors,
    },
    conv: {
      lossCpu: cpu.conv.loss,
      lossWebgpu: gpu.conv.loss,
      lossRelErr: relErr([gpu.conv.loss], [cpu.conv.loss]),
      gradRelErr: gpu.conv.grads.map((g, i) => relErr(g, cpu.conv.grads[i])),
      updatedRelErr: gpu.conv.updated.map((u, i) => relErr(u, cpu.conv.updated[i])),
      gradNonZero: cpu.conv.grads.map((g) => g.some((v) => v !== 0)),
    },
  };
}

const tasks: Record<string, () => Promise<Json>> = {
  adapter: adapterTask,
  "init-only": initOnlyTask,
  syncread: syncReadTask,
  numerics: numericsTask,
};

async function main(): Promise<void> {
  const name = process.argv[2];
  if (!name) return;
  const task = tasks[name];
  if (!task) throw new Error(`unknown task ${name}; one of ${Object.keys(tasks).join(", ")}`);
  const result = await task();
  process.stdout.write(`\nRESULT ${JSON.stringify(result)}\n`);
}

if (require.main === module) {
  main().catch((err) => {
    process.stdout.write(`\nRESULT ${JSON.stringify({ error: String((err as Error)?.stack ?? err) })}\n`);
    process.exitCode = 1;
  });
}
