// Sum and Mean over leading axes (kernel/backend/wasm/leading-axes-reduce.ts): rows added in order in float32, the
// shipped kernels' arithmetic after their transpose, so with one reduced axis (of size > 1) results must equal the
// shipped wasm kernels bit for bit; with several, the shipped transpose orders the rows differently (within 1e-5).
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { test } from "node:test";
import { registerWasmTuning, unregisterWasmTuning } from "../../kernel/backend/wasm/register";
import { rowSumModuleBytes } from "../../kernel/backend/wasm/leading-axes-reduce";
import { assertClose, runOn, seeded } from "./on-backends";

process.env.TSLAB_LIGHTNING_WASM_PTHREADS = "0";

const cases: { shape: number[]; axis: number | number[]; keepDims?: boolean }[] = [
  { shape: [128, 1024], axis: 0 }, // a bias gradient
  { shape: [64, 10], axis: [0], keepDims: true },
  { shape: [1, 1, 128, 512], axis: [0, 1, 2] }, // batch-norm statistics over a 4-D view
  { shape: [3, 5, 7], axis: [1, 0] },
  { shape: [6, 4], axis: -2 },
  { shape: [300, 3], axis: 0 }, // no four-column lanes: the scalar loop only
  { shape: [64, 513], axis: 0 }, // SIMD lanes and a scalar tail column
];

test("the row-sum module is valid wasm for a plain and a shared heap", () => {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  const WA = (globalThis as any).WebAssembly;
  assert.equal(WA.validate(rowSumModuleBytes(false)), true);
  assert.equal(WA.validate(rowSumModuleBytes(true)), true);
});

test("Sum and Mean over leading axes equal the shipped wasm kernels bit for bit", async () => {
  for (const c of cases) {
    for (const op of ["sum", "mean"] as const) {
      const program = () => tf[op](seeded(c.shape, 9).mul(10), c.axis, c.keepDims ?? false);
      const [shipped] = await runOn("wasm", program);
      registerWasmTuning();
      try {
        const [tuned] = await runOn("wasm", program);
        const axes = (Array.isArray(c.axis) ? c.axis : [c.axis]).map((a) => (a < 0 ? a + c.shape.length : a));
        if (axes.filter((a) => c.shape[a] > 1).length <= 1) assert.deepEqual(tuned, shipped, `${op} ${JSON.stringify(c)}`);
        const [cpu] = await runOn("cpu", program);
        assertClose(tuned, cpu, 1e-5, `${op} ${JSON.stringify(c)} vs cpu`);
      } finally {
        unregisterWasmTuning();
      }
    }
  }
});

test("other reductions keep the shipped kernels and still match cpu", async () => {
  const others: { shape: number[]; axis?: number | number[]; dtype?: "int32" }[] = [
    { shape: [16, 8], axis: 1 }, { shape: [4, 5, 6], axis: [0, 2] }, { shape: [7, 3] }, { shape: [9, 4], axis: 0, dtype: "int32" },
  ];
  registerWasmTuning();
  try {
    for (const c of others) {
      const program = () => {
        const x = c.dtype === "int32" ? seeded(c.shape, 4).mul(50).cast("int32") : seeded(c.shape, 4);
        return tf.sum(x, c.axis).cast("float32");
      };
      const [cpu] = await runOn("cpu", program);
      const [wasm] = await runOn("wasm", program);
      assertClose(wasm, cpu, 1e-5, JSON.stringify(c));
    }
  } finally {
    unregisterWasmTuning();
  }
});
