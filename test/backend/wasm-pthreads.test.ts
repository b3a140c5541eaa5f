// The default two-core path of tuned wasm (kernel/backend/wasm/threads/): tfjs's threaded SIMD build running on a shared
// heap with our Node pthread worker. Results match cpu, the pool thread really runs on a worker, our own kernels (fused
// Adam on the shared memory, conv gradients) work on it, the unused pool workers stay lazy, a process exits on its own,
// and TSLAB_LIGHTNING_WASM_PTHREADS=0 falls back to the copying matmul worker.
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import os from "node:os";
import path from "node:path";
import { before, test } from "node:test";
import { registerWasmTuning } from "../../kernel/backend/wasm/register";
import { pthreadCount } from "../../kernel/backend/wasm/threads/pthreads";
import { poolGateCounts } from "../../kernel/backend/wasm/threads/pool-gate";
import { poolGlobalAddress, poolSwitchFor } from "../../kernel/backend/wasm/threads/pool-switch";
import fs from "node:fs";
import { bandSplitCounts } from "../../kernel/backend/wasm/bands/band-split";
import { payoffSettings } from "../../kernel/backend/wasm/parallel/payoff";
import { assertClose, runNodeScript, runOn, seeded } from "./on-backends";

const twoCores = os.availableParallelism() >= 2 && (process.env.TSLAB_LIGHTNING_WASM_THREADS ?? "") !== "1";

before(async () => {
  // Before the wasm backend's first initialization in this process: that is when the threaded build is chosen.
  registerWasmTuning();
  assert.equal(await tf.setBackend("wasm"), true);
});

test("on two cores the wasm backend runs XNNPACK with two threads on a shared heap", { skip: !twoCores }, () => {
  assert.equal(pthreadCount(), 2);
  const wasm = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array; PThread: { runningWorkers: unknown[]; unusedWorkers: unknown[] } } }).wasm;
  assert.ok(wasm.HEAPU8.buffer instanceof SharedArrayBuffer, "the heap is not shared");
  // One pool thread runs on a worker; emscripten's other 7 pre-created workers stay idle.
  assert.equal(wasm.PThread.runningWorkers.length, 1);
  assert.equal(wasm.PThread.unusedWorkers.length, 7);
});

test("the pool switch is found in the threaded binary and verified; only gated kernels turn the pool on", { skip: !twoCores }, () => {
  const bytes = fs.readFileSync(require.resolve("@tensorflow/tfjs-backend-wasm/dist/tfjs-backend-wasm-threaded-simd.wasm"));
  const address = poolGlobalAddress(bytes);
  assert.ok(address !== null && address > 0 && address % 4 === 0, `address ${address}`);
  assert.equal(poolGlobalAddress(Uint8Array.from([0, 0x61, 0x73, 0x6d, 1, 0, 0, 0])), null, "a module without the export");
  const wasm = (tf.backend() as unknown as { wasm: Parameters<typeof poolSwitchFor>[0] }).wasm;
  const sw = poolSwitchFor(wasm);
  assert.ok(sw, "the switch was not verified");
  const a = seeded([64, 784], 1);
  const b = seeded([784, 256], 2);
  const before = { ...poolGateCounts };
  for (let i = 0; i < 10; i++) tf.tidy(() => void tf.matMul(a, b));
  assert.equal(poolGateCounts.split - before.split + poolGateCounts.solo - before.solo + poolGateCounts.off - before.off, 10);
  // Between gated kernels the pool is off, and an elementwise op leaves it off.
  tf.tidy(() => void tf.relu(a));
  assert.equal(sw!.set(false), false, "the pool was left on after a kernel");
  tf.dispose([a, b]);
});

test("matmuls of every transpose case, fused bias+relu and odd sizes match cpu", async () => {
  const cases: [number, number, number, boolean, boolean][] = [
    [64, 784, 256, false, false], [784, 64, 512, true, false], [64, 512, 784, false, true],
    [512, 64, 784, true, true], [37, 129, 61, false, false], [1, 300, 5, false, true],
  ];
  for (const [m, k, n, ta, tb] of cases) {
    const a = seeded(ta ? [k, m] : [m, k], m + k);
    const b = seeded(tb ? [n, k] : [k, n], n + 7);
    const bias = seeded([n], 3);
    const program = () => [tf.matMul(a, b, ta, tb), tf.fused.matMul({ a, b, transposeA: ta, transposeB: tb, bias, activation: "relu" })];
    const cpu = await runOn("cpu", program);
    const wasm = await runOn("wasm", program);
    assertClose(wasm[0], cpu[0], 1e-5, `matMul ${m}x${k}x${n} ${ta}/${tb}`);
    assertClose(wasm[1], cpu[1], 1e-5, `fused matMul ${m}x${k}x${n} ${ta}/${tb}`);
    tf.dispose([a, b, bias]);
  }
});

test("a conv layer's and a dense layer's gradients match cpu, and the fused Adam updates the shared heap", async () => {
  const x = seeded([4, 12, 12, 3], 1);
  const target = seeded([4, 10, 10, 8], 2);
  const grads = () => {
    const w = tf.variable(seeded([3, 3, 3, 8], 3));
    const dense = tf.variable(seeded([300, 64], 4));
    const { grads: g } = tf.variableGrads(() => tf.add(
      tf.losses.meanSquaredError(target, tf.conv2d(x as tf.Tensor4D, w as unknown as tf.Tensor4D, 1, "valid")),
      tf.mean(tf.square(tf.matMul(tf.reshape(x, [4, 432]).slice([0, 0], [4, 300]), dense))),
    ) as tf.Scalar, [w, dense]);
    const out = [g[w.name], g[dense.name]];
    tf.dispose([w, dense]);
    return out;
  };
  const cpu = await runOn("cpu", grads);
  const wasm = await runOn("wasm", grads);
  assertClose(wasm[0], cpu[0], 1e-5, "conv filter gradient");
  assertClose(wasm[1], cpu[1], 1e-5, "dense weight gradient");
  // Adam from the same gradients (weights after Adam amplify gradient rounding: its first step is lr·sign(g)).
  const adam = () => {
    const v = tf.variable(seeded([300, 64], 5));
    const opt = tf.train.adam(0.01);
    for (let i = 0; i < 3; i++) opt.applyGradients([{ name: v.name, tensor: seeded([300, 64], 10 + i) }]);
    const out = v.clone();
    opt.dispose();
    v.dispose();
    return out;
  };
  const [adamCpu] = await runOn("cpu", adam);
  const [adamWasm] = await runOn("wasm", adam);
  assert.deepEqual(adamWasm, adamCpu, "fused Adam on the shared heap is bit-identical to cpu's Adam");
  tf.dispose([x, target]);
});

const childScript = `
  const tf = require("@tensorflow/tfjs");
  require("@tensorflow/tfjs-backend-wasm");
  const { registerWasmTuning } = require(${JSON.stringify(path.join(__dirname, "../../kernel/backend/wasm/register"))});
  const { pthreadCount } = require(${JSON.stringify(path.join(__dirname, "../../kernel/backend/wasm/threads/pthreads"))});
  const { whenWorkerReady } = require(${JSON.stringify(path.join(__dirname, "../../kernel/backend/wasm/parallel/worker-host"))});
  (async () => {
    registerWasmTuning();
    await tf.setBackend("wasm");
    const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [784], units: 256, activation: "relu" }), tf.layers.dense({ units: 10 })] });
    model.compile({ optimizer: tf.train.adam(1e-3), loss: "meanSquaredError" });
    const h = await model.fit(tf.randomNormal([128, 784]), tf.randomNormal([128, 10]), { epochs: 2, batchSize: 64, verbose: 0 });
    console.log(JSON.stringify({ pthreads: pthreadCount(), copyingWorker: await whenWorkerReady(), loss: h.history.loss[1] }));
  })();
`;

test("a big variable's fused Adam is split with the band worker, bit-identical to cpu's Adam", { skip: !twoCores }, async () => {
  const shape = [3, 23001]; // 69 003 elements: 17 units of 4 096 (the last one short) and a scalar tail of 3
  const adam = (steps: number) => () => {
    const v = tf.variable(seeded(shape, 5));
    const opt = tf.train.adam(0.01);
    for (let i = 0; i < steps; i++) opt.applyGradients([{ name: v.name, tensor: seeded(shape, 10 + i) }]);
    const out = v.clone();
    opt.dispose();
    v.dispose();
    return out;
  };
  // The worker starts on the first eligible job and is used once up.
  for (let i = 0; i < 100 && bandSplitCounts.posted === 0; i++) {
    await runOn("wasm", adam(1));
    await new Promise((r) => setTimeout(r, 20));
  }
  payoffSettings.enabled = false; // split every job (no one-thread references)
  try {
    const before = { ...bandSplitCounts };
    const [adamWasm] = await runOn("wasm", adam(4));
    assert.ok(bandSplitCounts.posted >= before.posted + 4, "the updates were posted to the worker");
    const [adamCpu] = await runOn("cpu", adam(4));
    assert.deepEqual(adamWasm, adamCpu, "bit-identical, whichever thread computed a band");
  } finally {
    payoffSettings.enabled = true;
  }
});

test("a process that trains on the pthreads exits on its own", { timeout: 60_000, skip: !twoCores }, async () => {
  const r = await runNodeScript(childScript);
  assert.equal(r.code, 0, `the child did not exit with 0 within 45 s (code ${r.code}); stderr: ${r.stderr}`);
  const report = JSON.parse(r.stdout.trim().split("\n").pop()!);
  assert.equal(report.pthreads, 2);
  assert.equal(report.copyingWorker, false, "the copying worker must not start when the pthreads run");
  assert.ok(Number.isFinite(report.loss));
});

test("TSLAB_LIGHTNING_WASM_PTHREADS=0 keeps the shipped single-threaded build and uses the copying worker", { timeout: 60_000, skip: !twoCores }, async () => {
  const r = await runNodeScript(childScript, { TSLAB_LIGHTNING_WASM_PTHREADS: "0" });
  assert.equal(r.code, 0, `the child did not exit with 0 within 45 s (code ${r.code}); stderr: ${r.stderr}`);
  const report = JSON.parse(r.stdout.trim().split("\n").pop()!);
  assert.equal(report.pthreads, 0);
  assert.equal(report.copyingWorker, true);
});
