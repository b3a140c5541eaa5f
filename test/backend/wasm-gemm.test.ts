// Our GEMM (kernel/backend/wasm/gemm/): plain matmuls skip XNNPACK's per-tensor weight packing. Results must be
// bit-identical to XNNPACK's fast path (same float32 mul-then-add, k in order), the routing must take exactly the
// eligible shapes, gradients must match cpu, and it must work on the threaded build's shared heap.
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import path from "node:path";
import { test } from "node:test";
import { registerWasmTuning, unregisterWasmTuning } from "../../kernel/backend/wasm/register";
import { gemmModuleBytes } from "../../kernel/backend/wasm/gemm/gemm-simd";
import { ownGemmCounts } from "../../kernel/backend/wasm/gemm/own-gemm";
import { assertClose, runNodeScript, runOn, seeded } from "./on-backends";

// This file runs the single-threaded build (the threaded one is checked in a child process below).
process.env.TSLAB_LIGHTNING_WASM_PTHREADS = "0";
process.env.TSLAB_LIGHTNING_WASM_THREADS = "1";

// eslint-disable-next-line @typescript-eslint/no-explicit-any
const WA = (globalThis as any).WebAssembly;

test("the module is valid wasm for a plain and a shared heap", () => {
  assert.equal(WA.validate(gemmModuleBytes(false)), true);
  assert.equal(WA.validate(gemmModuleBytes(true)), true);
});

/** Runs `program` on wasm with the tuning layer; returns its output and how many matmuls took our GEMM. */
async function tuned(program: () => tf.Tensor): Promise<{ out: Float32Array; gemm: number }> {
  registerWasmTuning();
  try {
    const before = ownGemmCounts.calls;
    const [out] = await runOn("wasm", program);
    return { out, gemm: ownGemmCounts.calls - before };
  } finally {
    unregisterWasmTuning();
  }
}

test("eligible shapes take our GEMM and equal XNNPACK's fast path bit for bit", async () => {
  // 68 rows: a second row block; K 2048: the strip scratch grows past its first 32 KB; N 1024: power-of-two strides.
  const shapes: [number, number, number][] = [[64, 784, 256], [4, 1, 8], [12, 33, 24], [128, 64, 16], [64, 512, 784], [8, 3, 8], [68, 40, 24], [8, 2048, 16], [16, 1024, 1024]];
  for (const [m, k, n] of shapes) {
    const program = () => tf.matMul(seeded([m, k], m + k), seeded([k, n], n));
    const [shipped] = await runOn("wasm", program); // tuning off: XNNPACK
    const ours = await tuned(program);
    assert.equal(ours.gemm, 1, `${m}×${k}×${n}: our GEMM ran`);
    assert.deepEqual(ours.out, shipped, `${m}×${k}×${n}: bit-identical to XNNPACK`);
  }
});

test("transposed operands are read in place (no Transpose kernel) and equal XNNPACK on explicit transposes", async () => {
  // dW = xᵀ·dy and dx = dy·Wᵀ of dense layers, both at once, a second row block (M = 68) and a ragged last band (N = 200)
  const cases: { m: number; k: number; n: number; tA: boolean; tB: boolean }[] = [
    { m: 784, k: 64, n: 256, tA: true, tB: false },
    { m: 64, k: 512, n: 784, tA: false, tB: true },
    { m: 68, k: 40, n: 200, tA: true, tB: true },
    { m: 12, k: 33, n: 24, tA: false, tB: true },
  ];
  for (const { m, k, n, tA, tB } of cases) {
    const a = () => seeded(tA ? [k, m] : [m, k], m + k);
    const b = () => seeded(tB ? [n, k] : [k, n], n);
    const [shipped] = await runOn("wasm", () => tf.matMul(tA ? tf.transpose(a()) : a(), tB ? tf.transpose(b()) : b()));
    // Count Transpose kernel calls, including those a kernel makes internally (call-kernel.ts looks kernels up per call).
    const transpose = tf.getKernel("Transpose", "wasm")!;
    const shippedTranspose = transpose.kernelFunc;
    let transposes = 0;
    (transpose as { kernelFunc: tf.KernelFunc }).kernelFunc = (args) => (transposes++, shippedTranspose(args));
    let ours: { out: Float32Array; gemm: number };
    try {
      ours = await tuned(() => tf.matMul(a(), b(), tA, tB));
    } finally {
      (transpose as { kernelFunc: tf.KernelFunc }).kernelFunc = shippedTranspose;
    }
    const label = `${m}×${k}×${n} tA=${tA} tB=${tB}`;
    assert.equal(ours.gemm, 1, `${label}: our GEMM ran`);
    assert.equal(transposes, 0, `${label}: no Transpose kernel ran`);
    assert.deepEqual(ours.out, shipped, `${label}: bit-identical to XNNPACK`);
  }
});

test("other shapes stay on XNNPACK and still match cpu", async () => {
  const cases: { a: number[]; b: number[]; tA?: boolean; tB?: boolean; why: string }[] = [
    { a: [6, 16], b: [16, 8], why: "M % 4 != 0" },
    { a: [64, 128], b: [128, 10], why: "N % 8 != 0" },
    { a: [2, 8, 16], b: [2, 16, 8], why: "b batched" },
  ];
  for (const c of cases) {
    const program = () => tf.matMul(seeded(c.a, 7), seeded(c.b, 8), c.tA ?? false, c.tB ?? false);
    const [cpu] = await runOn("cpu", program);
    const ours = await tuned(program);
    assert.equal(ours.gemm, 0, `${c.why}: not ours`);
    assertClose(ours.out, cpu, 1e-5, c.why);
  }
});

test("a dense MLP's loss and gradients match cpu with the GEMM on the forward and backward matmuls", async () => {
  const program = () => {
    const x = seeded([64, 784], 11);
    const w1 = seeded([784, 256], 12).mul(0.05);
    const w2 = seeded([256, 16], 13).mul(0.05);
    const f = (a: tf.Tensor, b: tf.Tensor) => tf.relu(tf.matMul(x, a)).matMul(b).square().mean() as tf.Scalar;
    const { value, grads } = tf.valueAndGrads(f)([w1, w2]);
    return tf.concat([value.reshape([1]), ...grads.map((g) => g.reshape([-1]))]);
  };
  const [cpu] = await runOn("cpu", program);
  const ours = await tuned(program);
  // forward 2, backward: dW1 = xᵀ·(…), dW2 = hᵀ·dy, dh = dy·W2ᵀ (transposed operands read in place)
  assert.ok(ours.gemm >= 5, `our GEMM ran ${ours.gemm}×`);
  assertClose(ours.out, cpu, 1e-5, "loss and gradients");
});

test("_FusedMatMul with bias and linear/relu/relu6 takes it, bit-identical to XNNPACK's fused path", async () => {
  for (const activation of ["linear", "relu", "relu6"] as const) {
    const program = () => tf.fused.matMul({
      a: seeded([64, 96], 21).mul(3), b: seeded([96, 40], 22), bias: seeded([40], 23), activation,
    });
    const [shipped] = await runOn("wasm", program);
    const ours = await tuned(program);
    assert.equal(ours.gemm, 1, `${activation}: our GEMM ran`);
    assert.deepEqual(ours.out, shipped, `${activation}: bit-identical to XNNPACK`);
    if (activation === "relu6") assert.ok(ours.out.some((v) => v === 6) && ours.out.some((v) => v === 0), "the clamp was applied");
  }
});

test("_FusedMatMul with other activations stays on XNNPACK and matches cpu", async () => {
  const cases: { activation: "elu" | "sigmoid" | "leakyrelu"; bias: number[] }[] = [
    { activation: "elu", bias: [16] }, { activation: "sigmoid", bias: [16] }, { activation: "leakyrelu", bias: [16] },
  ];
  for (const c of cases) {
    const program = () => tf.fused.matMul({ a: seeded([8, 24], 31), b: seeded([24, 16], 32), bias: seeded(c.bias, 33), activation: c.activation });
    const [cpu] = await runOn("cpu", program);
    const ours = await tuned(program);
    assert.equal(ours.gemm, 0, `${c.activation}, bias ${c.bias}: not ours`);
    assertClose(ours.out, cpu, 1e-5, `${c.activation}, bias ${c.bias}`);
  }
});

test("_FusedMatMul with a broadcast bias matches cpu (shipped wasm 4.22 reads it as N values: wrong)", async () => {
  for (const [bias, activation] of [[[1], "relu"], [[8, 16], "linear"], [[1, 16], "sigmoid"]] as const) {
    const program = () => tf.fused.matMul({ a: seeded([8, 24], 41), b: seeded([24, 16], 42), bias: seeded([...bias], 43), activation });
    const [cpu] = await runOn("cpu", program);
    const ours = await tuned(program);
    assert.equal(ours.gemm, 1, `bias ${bias}: the product ran on our GEMM, the bias was added after it`);
    assertClose(ours.out, cpu, 1e-5, `bias ${bias}, ${activation}`);
  }
});

test("tensor buffers of 256 bytes and up start on 64-byte boundaries, and freeing them returns the memory", async () => {
  registerWasmTuning();
  try {
    await tf.setBackend("wasm");
    const backend = tf.backend() as unknown as { dataIdMap: { get(d: object): { memoryOffset: number } } };
    const offset = (t: tf.Tensor) => backend.dataIdMap.get(t.dataId).memoryOffset;
    const big = Array.from({ length: 20 }, (_, i) => tf.zeros([64 + i * 3]));
    for (const t of big) assert.equal(offset(t) % 64, 0, "aligned");
    tf.dispose(big);
    // Freed through the pointer malloc returned: the heap reuses it instead of growing (a leak would add 64 MB).
    for (let i = 0; i < 100; i++) tf.tidy(() => { tf.add(tf.ones([4096]), 1); });
    const heapBefore = (tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length;
    for (let i = 0; i < 2000; i++) tf.tidy(() => { tf.add(tf.ones([4096]), 1); });
    assert.equal((tf.backend() as unknown as { wasm: { HEAPU8: Uint8Array } }).wasm.HEAPU8.length, heapBefore, "no heap growth");
  } finally {
    unregisterWasmTuning();
  }
});

test("TSLAB_LIGHTNING_OWN_GEMM=0 leaves every matmul on XNNPACK", async () => {
  const script = `
    process.env.TSLAB_LIGHTNING_WASM_PTHREADS = "0";
    const tf = require("@tensorflow/tfjs");
    const { registerWasmTuning } = require(${JSON.stringify(path.join(__dirname, "../../kernel/backend/wasm/register"))});
    const { ownGemmCounts } = require(${JSON.stringify(path.join(__dirname, "../../kernel/backend/wasm/gemm/own-gemm"))});
    registerWasmTuning();
    tf.setBackend("wasm").then(async () => {
      const c = tf.matMul(tf.ones([64, 32]), tf.ones([32, 64]));
      const v = await c.data();
      console.log(JSON.stringify({ calls: ownGemmCounts.calls, v: v[0] }));
      process.exit(0);
    });`;
  const { code, stdout, stderr } = await runNodeScript(script, { TSLAB_LIGHTNING_OWN_GEMM: "0" });
  assert.equal(code, 0, stderr);
  assert.deepEqual(JSON.parse(stdout.trim().split("\n").pop()!), { calls: 0, v: 32 });
});

test("on the threaded build's shared heap it splits column strips with its worker thread, exact in every orientation", async () => {
  const script = `
    const tf = require("@tensorflow/tfjs");
    const { registerWasmTuning } = require(${JSON.stringify(path.join(__dirname, "../../kernel/backend/wasm/register"))});
    const { ownGemmCounts } = require(${JSON.stringify(path.join(__dirname, "../../kernel/backend/wasm/gemm/own-gemm"))});
    const { bandSplitCounts } = require(${JSON.stringify(path.join(__dirname, "../../kernel/backend/wasm/bands/band-split"))});
    const { payoffSettings } = require(${JSON.stringify(path.join(__dirname, "../../kernel/backend/wasm/parallel/payoff"))});
    const { pthreadCount } = require(${JSON.stringify(path.join(__dirname, "../../kernel/backend/wasm/threads/pthreads"))});
    registerWasmTuning();
    payoffSettings.enabled = false; // split every eligible product (no one-thread references)
    const m = 96, k = 300, n = 200; // 25 strips of 8 columns, claimed in runs by both threads
    const a = Float32Array.from({ length: m * k }, (_, i) => ((i * 7) % 13) / 13 - 0.5);
    const b = Float32Array.from({ length: k * n }, (_, i) => ((i * 5) % 11) / 11 - 0.5);
    const at = (i, q) => a[i * k + q], bt = (q, j) => b[q * n + j];
    const stored = (f, rows, cols) => Float32Array.from({ length: rows * cols }, (_, x) => f(Math.floor(x / cols), x % cols));
    tf.setBackend("wasm").then(async () => {
      // The worker starts on the first eligible product and is used once up.
      for (let i = 0; i < 100 && bandSplitCounts.posted === 0; i++) {
        tf.matMul(tf.tensor2d(a, [m, k]), tf.tensor2d(b, [k, n])).dispose();
        await new Promise((r) => setTimeout(r, 20));
      }
      let err = 0;
      for (const [tA, tB] of [[false, false], [true, false], [false, true], [true, true]]) {
        const A = tA ? tf.tensor2d(stored((q, i) => at(i, q), k, m), [k, m]) : tf.tensor2d(a, [m, k]);
        const B = tB ? tf.tensor2d(stored((j, q) => bt(q, j), n, k), [n, k]) : tf.tensor2d(b, [k, n]);
        for (let rep = 0; rep < 20; rep++) {
          const c = await tf.matMul(A, B, tA, tB).data();
          for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) {
            let s = 0;
            for (let q = 0; q < k; q++) s = Math.fround(s + Math.fround(at(i, q) * bt(q, j)));
            err = Math.max(err, Math.abs(s - c[i * n + j]));
          }
        }
      }
      console.log(JSON.stringify({ threads: pthreadCount(), calls: ownGemmCounts.calls, posted: bandSplitCounts.posted, workerUnits: bandSplitCounts.workerUnits, err }));
      process.exit(0);
    });`;
  const { code, stdout, stderr } = await runNodeScript(script, { TSLAB_LIGHTNING_WASM_PTHREADS: "1", TSLAB_LIGHTNING_WASM_THREADS: "2", TSLAB_LIGHTNING_OWN_GEMM: "1" });
  assert.equal(code, 0, stderr);
  const r = JSON.parse(stdout.trim().split("\n").pop()!);
  assert.equal(r.threads, 2, "the threaded build is up");
  assert.ok(r.calls >= 80, "every product ran on our GEMM");
  assert.ok(r.posted >= 80, `products posted to the worker: ${r.posted}`);
  assert.ok(r.workerUnits > 0, "the worker computed column strips");
  assert.equal(r.err, 0, "float32 mul-then-add with k in order: exact, whichever thread computed a band");
});
