// The two-thread row split of large wasm matmuls (kernel/backend/wasm/parallel/): same results
// as cpu, the split really runs, and a process that uses it still exits on its own.
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import os from "node:os";
import path from "node:path";
import { after, before, test } from "node:test";
import { registerWasmTuning, unregisterWasmTuning } from "../../kernel/backend/wasm/register";
import { parallelCounts, parallelSettings } from "../../kernel/backend/wasm/parallel/parallel-mat-mul";
import { payoffSettings, payoffState, resetPayoff } from "../../kernel/backend/wasm/parallel/payoff";
import { whenWorkerReady } from "../../kernel/backend/wasm/parallel/worker-host";
import { assertClose, runNodeScript, runOn, seeded } from "./on-backends";

// This file tests the copying worker, the fallback when shared-heap pthreads cannot start (wasm-pthreads.test.ts).
process.env.TSLAB_LIGHTNING_WASM_PTHREADS = "0";
// Plain matmuls would take our GEMM (gemm/) before the worker: keep them on the path under test.
process.env.TSLAB_LIGHTNING_OWN_GEMM = "0";

// Split every matmul with at least 16 rows, whatever its size, so small test shapes take the parallel path.
const savedMinFlop = parallelSettings.minFlop;
let workerUp = false;
before(async () => {
  registerWasmTuning();
  workerUp = await whenWorkerReady();
  parallelSettings.minFlop = 0;
  payoffSettings.enabled = false; // every eligible matmul splits (the payoff test turns it back on)
});
after(() => {
  parallelSettings.minFlop = savedMinFlop;
  payoffSettings.enabled = true;
  unregisterWasmTuning();
});

/** Runs `program` on cpu and on tuned wasm; asserts closeness and that the wasm run split at least `splits` matmuls. */
async function matchesCpu(label: string, program: () => tf.Tensor, splits = 1): Promise<void> {
  const [cpu] = await runOn("cpu", program);
  const ran = parallelCounts.rows + parallelCounts.cols + parallelCounts.reclaimed;
  const [wasm] = await runOn("wasm", program);
  assertClose(wasm, cpu, 1e-5, label);
  assert.equal(parallelCounts.rows + parallelCounts.cols + parallelCounts.reclaimed - ran, splits, `${label}: splits`);
}

test("the worker starts on a machine with two cores", { skip: !workerUpSync() }, () => {
  assert.equal(workerUp, true);
});

const cases: { name: string; a: number[]; b: number[]; tA: boolean; tB: boolean }[] = [
  { name: "plain", a: [64, 784], b: [784, 256], tA: false, tB: false },
  { name: "transposed a (weight gradient)", a: [64, 784], b: [64, 256], tA: true, tB: false },
  { name: "transposed b (input gradient)", a: [64, 256], b: [784, 256], tA: false, tB: true },
  { name: "both transposed", a: [40, 33], b: [17, 40], tA: true, tB: true },
  { name: "both transposed, wide", a: [40, 33], b: [70, 40], tA: true, tB: true },
  { name: "odd sizes", a: [65, 783], b: [783, 257], tA: false, tB: false },
  { name: "odd sizes, transposed b", a: [65, 783], b: [257, 783], tA: false, tB: true },
  { name: "batched a, single b", a: [3, 7, 11], b: [11, 5], tA: false, tB: false },
  { name: "batched a transposed, single b transposed", a: [2, 3, 11, 9], b: [1, 5, 11], tA: true, tB: true },
  { name: "batched a, wide single b", a: [2, 20, 30], b: [30, 40], tA: false, tB: false },
  { name: "batched a transposed, wide single b transposed", a: [2, 30, 20], b: [1, 40, 30], tA: true, tB: true },
];

const SPLITS = ["rows", "cols"] as const;

test("BatchMatMul split over two threads (by rows, by columns) matches cpu", { skip: !workerUpSync() }, async () => {
  try {
    for (const force of SPLITS) {
      parallelSettings.force = force;
      for (const c of cases) {
        // A part smaller than 8 rows / columns is not worth a wake-up: such a shape stays on one thread.
        const rows = c.a.slice(0, -2).reduce((x, y) => x * y, 1) * (c.tA ? c.a[c.a.length - 1] : c.a[c.a.length - 2]);
        const cols = c.tB ? c.b[c.b.length - 2] : c.b[c.b.length - 1];
        const splits = (force === "rows" ? rows : cols) >= 16 ? 1 : 0;
        await matchesCpu(`${c.name} (${force})`, () => tf.matMul(seeded(c.a, 1), seeded(c.b, 2), c.tA, c.tB), splits);
      }
    }
  } finally {
    parallelSettings.force = undefined;
  }
});

test("_FusedMatMul split over two threads applies bias and activation on both halves", { skip: !workerUpSync() }, async () => {
  for (const force of [...SPLITS, undefined]) {
    parallelSettings.force = force;
    for (const [activation, tA, tB] of [["relu", false, false], ["relu", true, false], ["relu", false, true], ["linear", true, true], ["relu6", false, true]] as const) {
      await matchesCpu(`fused ${activation} tA=${tA} tB=${tB} (${force ?? "auto"})`, () =>
        tf.fused.matMul({
          a: tA ? seeded([783, 65], 5) : seeded([65, 783], 5),
          b: tB ? seeded([257, 783], 6) : seeded([783, 257], 6),
          transposeA: tA,
          transposeB: tB,
          bias: seeded([257], 7),
          activation,
        }),
      );
    }
  }
  parallelSettings.force = undefined;
});

test("the split paths leak no tensors and no wasm heap blocks", { skip: !workerUpSync() }, async () => {
  await tf.setBackend("wasm");
  const backend = tf.backend() as unknown as { numDataIds(): number };
  const a = seeded([64, 300], 1);
  const b = seeded([90, 64], 2);
  const bias = seeded([90], 3);
  const program = () => tf.fused.matMul({ a, b, transposeA: true, transposeB: true, bias, activation: "relu" });
  try {
    for (const force of SPLITS) {
      parallelSettings.force = force;
      tf.tidy(program).dispose();
      const tensors = tf.memory().numTensors;
      const dataIds = backend.numDataIds();
      const ran = parallelCounts.rows + parallelCounts.cols + parallelCounts.reclaimed;
      for (let i = 0; i < 5; i++) tf.tidy(program).dispose();
      assert.equal(parallelCounts.rows + parallelCounts.cols + parallelCounts.reclaimed - ran, 5, force);
      assert.equal(tf.memory().numTensors, tensors, force);
      assert.equal(backend.numDataIds(), dataIds, force);
    }
  } finally {
    parallelSettings.force = undefined;
    tf.dispose([a, b, bias]);
  }
});

test("the worker really computes rows (not only the main thread taking jobs back)", { skip: !workerUpSync() }, async () => {
  await tf.setBackend("wasm");
  const a = seeded([256, 512], 3);
  const b = seeded([512, 512], 4);
  const before = (parallelCounts.rows + parallelCounts.cols);
  // Each matmul takes the main thread ~1 ms, ample time for the worker to claim its half.
  for (let i = 0; i < 20; i++) tf.tidy(() => tf.matMul(a, b)).dispose();
  tf.dispose([a, b]);
  assert.ok((parallelCounts.rows + parallelCounts.cols) > before, "the worker never claimed a job");
});

test("payoff: every 8th matmul of a shape runs on one thread, and splitting pauses when it does not pay", { skip: !workerUpSync() }, async () => {
  await tf.setBackend("wasm");
  const a = seeded([64, 200], 1);
  const b = seeded([200, 96], 2);
  const saved = { ...payoffSettings };
  Object.assign(payoffSettings, { enabled: true, window: 8, minGain: 1e9 }); // no split can pay that much
  resetPayoff();
  try {
    const ran = () => parallelCounts.rows + parallelCounts.cols + parallelCounts.reclaimed;
    const before = ran();
    for (let i = 0; i < 16; i++) tf.tidy(() => tf.matMul(a, b)).dispose();
    // Calls 1 and 9 are references on one thread; the window of 8 splits closes at call 10 and pauses splitting.
    assert.equal(ran() - before, 8);
    assert.equal(payoffState.pauses >= 1, true);
    assert.ok(payoffState.lastGain > 0 && payoffState.lastGain < 1e9);
    const paused = ran();
    for (let i = 0; i < 5; i++) tf.tidy(() => tf.matMul(a, b)).dispose();
    assert.equal(ran(), paused, "splits while paused");
    const [cpu] = await runOn("cpu", () => tf.matMul(a, b));
    const [wasm] = await runOn("wasm", () => tf.matMul(a, b));
    assertClose(wasm, cpu, 1e-5, "paused matmul");
  } finally {
    Object.assign(payoffSettings, saved);
    resetPayoff();
    tf.dispose([a, b]);
  }
});

test("a process that trains with the worker exits on its own", { timeout: 60_000 }, async () => {
  const script = `
    const tf = require("@tensorflow/tfjs");
    require("@tensorflow/tfjs-backend-wasm");
    const { registerWasmTuning } = require(${JSON.stringify(path.join(__dirname, "../../kernel/backend/wasm/register"))});
    const { whenWorkerReady } = require(${JSON.stringify(path.join(__dirname, "../../kernel/backend/wasm/parallel/worker-host"))});
    const { parallelCounts, parallelSettings } = require(${JSON.stringify(path.join(__dirname, "../../kernel/backend/wasm/parallel/parallel-mat-mul"))});
    (async () => {
      registerWasmTuning();
      await tf.setBackend("wasm");
      const ready = await whenWorkerReady();
      parallelSettings.minFlop = 0;
      const model = tf.sequential({ layers: [tf.layers.dense({ inputShape: [784], units: 256, activation: "relu" }), tf.layers.dense({ units: 10 })] });
      model.compile({ optimizer: tf.train.adam(1e-3), loss: "meanSquaredError" });
      await model.fit(tf.randomNormal([128, 784]), tf.randomNormal([128, 10]), { epochs: 2, batchSize: 64, verbose: 0 });
      console.log(JSON.stringify({ ready, splits: parallelCounts.rows + parallelCounts.cols + parallelCounts.reclaimed }));
    })();
  `;
  const { code, stdout, stderr } = await runNodeScript(script, { TSLAB_LIGHTNING_WASM_PTHREADS: "0" });
  assert.equal(code, 0, `the child did not exit with 0 within 45 s (code ${code}); stderr: ${stderr}`);
  const report = JSON.parse(stdout.trim().split("\n").pop()!) as { ready: boolean; splits: number };
  if (report.ready) assert.ok(report.splits > 0, "the child trained without splitting a matmul");
});

/** Test options are evaluated before `before` runs: probe the same conditions the host checks. */
function workerUpSync(): boolean {
  return os.availableParallelism() >= 2 && (process.env.TSLAB_LIGHTNING_WASM_THREADS ?? "") !== "1";
}
