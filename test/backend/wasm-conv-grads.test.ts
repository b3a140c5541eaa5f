// Conv2DBackpropFilter on tuned wasm vs cpu, through the gradients that conv2d and
// conv2dTranspose produce, plus direct kernel calls.
import * as tf from "@tensorflow/tfjs";
import { after, before, test } from "node:test";
import { registerWasmTuning, unregisterWasmTuning } from "../../kernel/backend/wasm/register";
import { assertClose, runOn, seeded } from "./on-backends";

before(() => registerWasmTuning());
after(() => unregisterWasmTuning());

type Pad = "valid" | "same" | number;
const conv2dCases: { x: number[]; f: number[]; stride: number | [number, number]; pad: Pad }[] = [
  { x: [2, 9, 9, 3], f: [3, 3, 3, 4], stride: 1, pad: "same" },
  { x: [2, 9, 9, 3], f: [3, 3, 3, 4], stride: 1, pad: "valid" },
  { x: [3, 28, 28, 1], f: [5, 5, 1, 8], stride: 2, pad: "same" }, // DCGAN discriminator, first layer
  { x: [2, 14, 14, 16], f: [5, 5, 16, 32], stride: 2, pad: "same" }, // long channel runs (copyWithin)
  { x: [1, 10, 7, 2], f: [4, 2, 2, 3], stride: [2, 3], pad: "valid" }, // uneven everything
  { x: [2, 8, 8, 3], f: [3, 3, 3, 5], stride: 2, pad: 1 }, // explicit numeric padding
  { x: [1, 6, 6, 40], f: [1, 1, 40, 7], stride: 1, pad: "valid" }, // pointwise (separable's second half)
];

test("conv2d gradients (x and filter) on tuned wasm match cpu", async () => {
  for (const c of conv2dCases) {
    const program = () => {
      const x = seeded(c.x, 11) as tf.Tensor4D;
      const f = seeded(c.f, 12) as tf.Tensor4D;
      const upstream = () => tf.conv2d(x, f, c.stride, c.pad);
      const dyShape = upstream().shape;
      const dy = seeded(dyShape, 13);
      const g = tf.grads((xx: tf.Tensor, ff: tf.Tensor) => tf.conv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, c.stride, c.pad));
      return g([x, f], dy);
    };
    const cpu = await runOn("cpu", program);
    const wasm = await runOn("wasm", program);
    const label = `conv2d x=${c.x} f=${c.f} stride=${c.stride} pad=${c.pad}`;
    assertClose(wasm[0], cpu[0], 1e-5, `${label} dx`);
    assertClose(wasm[1], cpu[1], 1e-5, `${label} dW`);
  }
});

test("conv2dTranspose gradients (the DCGAN generator's layers) on tuned wasm match cpu", async () => {
  const cases: { x: number[]; f: number[]; out: [number, number, number, number]; stride: number; pad: "same" | "valid" }[] = [
    { x: [4, 7, 7, 16], f: [5, 5, 8, 16], out: [4, 14, 14, 8], stride: 2, pad: "same" },
    { x: [4, 14, 14, 8], f: [5, 5, 1, 8], out: [4, 28, 28, 1], stride: 2, pad: "same" },
    { x: [2, 4, 4, 3], f: [3, 3, 2, 3], out: [2, 9, 9, 2], stride: 2, pad: "valid" },
  ];
  for (const c of cases) {
    const program = () => {
      const x = seeded(c.x, 21) as tf.Tensor4D;
      const f = seeded(c.f, 22) as tf.Tensor4D;
      const dy = seeded(c.out, 23);
      const g = tf.grads((xx: tf.Tensor, ff: tf.Tensor) => tf.conv2dTranspose(xx as tf.Tensor4D, ff as tf.Tensor4D, c.out, c.stride, c.pad));
      return g([x, f], dy);
    };
    const cpu = await runOn("cpu", program);
    const wasm = await runOn("wasm", program);
    const label = `conv2dTranspose x=${c.x} f=${c.f} stride=${c.stride} pad=${c.pad}`;
    assertClose(wasm[0], cpu[0], 1e-5, `${label} dx`);
    assertClose(wasm[1], cpu[1], 1e-5, `${label} dW`);
  }
});

test("Conv2DBackpropFilter called directly, both matmul orientations, matches cpu", async () => {
  // Few output channels favour transposing dy; many favour transposing the patch matrix.
  for (const [xShape, filterShape] of [[[2, 12, 12, 8], [3, 3, 8, 2]], [[2, 6, 6, 2], [3, 3, 2, 64]]] as const) {
    const program = () => {
      const x = seeded([...xShape], 31) as tf.Tensor4D;
      const dy = seeded([xShape[0], xShape[1], xShape[2], filterShape[3]], 32) as tf.Tensor4D;
      return tf.engine().runKernel("Conv2DBackpropFilter", { x, dy }, {
        strides: [1, 1], pad: "same", dataFormat: "NHWC", dimRoundingMode: undefined, filterShape: [...filterShape],
      } as never) as tf.Tensor;
    };
    assertClose((await runOn("wasm", program))[0], (await runOn("cpu", program))[0], 1e-5, `direct filter=${filterShape}`);
  }
});
