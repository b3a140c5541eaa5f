// Depthwise gradient kernels on tuned wasm: vs cpu for what autodiff produces (dilation 1),
// and vs the adjoint identity <dy, conv(x, W)> = <dW, W> = <dx, x> for dilations, which the
// cpu backend's depthwise gradient kernels ignore.
import * as tf from "@tensorflow/tfjs";
import assert from "node:assert/strict";
import { after, before, test } from "node:test";
import { registerWasmTuning, unregisterWasmTuning } from "../../kernel/backend/wasm/register";
import { assertClose, runOn, seeded } from "./on-backends";

before(() => registerWasmTuning());
after(() => unregisterWasmTuning());

type Pad = "valid" | "same" | number;
const cases: { x: number[]; f: number[]; stride: number | [number, number]; pad: Pad }[] = [
  { x: [2, 9, 9, 3], f: [3, 3, 3, 1], stride: 1, pad: "same" },
  { x: [2, 9, 9, 3], f: [3, 3, 3, 2], stride: 1, pad: "valid" }, // channel multiplier 2
  { x: [2, 14, 14, 32], f: [5, 5, 32, 1], stride: 2, pad: "same" }, // long channel runs
  { x: [1, 11, 8, 4], f: [2, 4, 4, 3], stride: [2, 3], pad: "valid" },
  { x: [2, 8, 8, 2], f: [3, 3, 2, 1], stride: 2, pad: 1 },
];

test("depthwiseConv2d gradients (x and filter) on tuned wasm match cpu", async () => {
  for (const c of cases) {
    const program = () => {
      const x = seeded(c.x, 41) as tf.Tensor4D;
      const f = seeded(c.f, 42) as tf.Tensor4D;
      const dy = seeded(tf.depthwiseConv2d(x, f, c.stride, c.pad).shape, 43);
      const g = tf.grads((xx: tf.Tensor, ff: tf.Tensor) => tf.depthwiseConv2d(xx as tf.Tensor4D, ff as tf.Tensor4D, c.stride, c.pad));
      return g([x, f], dy);
    };
    const cpu = await runOn("cpu", program);
    const wasm = await runOn("wasm", program);
    const label = `depthwise x=${c.x} f=${c.f} stride=${c.stride} pad=${c.pad}`;
    assertClose(wasm[0], cpu[0], 1e-5, `${label} dx`);
    assertClose(wasm[1], cpu[1], 1e-5, `${label} dW`);
  }
});

test("separableConv2d gradients (all three) on tuned wasm match cpu", async () => {
  for (const [stride, pad] of [[1, "same"], [2, "valid"]] as const) {
    const program = () => {
      const x = seeded([2, 10, 10, 4], 51) as tf.Tensor4D;
      const dw = seeded([3, 3, 4, 2], 52) as tf.Tensor4D;
      const pw = seeded([1, 1, 8, 6], 53) as tf.Tensor4D;
      const f = (a: tf.Tensor, b: tf.Tensor, c: tf.Tensor) =>
        tf.separableConv2d(a as tf.Tensor4D, b as tf.Tensor4D, c as tf.Tensor4D, stride, pad);
      return tf.grads(f)([x, dw, pw], seeded(f(x, dw, pw).shape, 54));
    };
    const cpu = await runOn("cpu", program);
    const wasm = await runOn("wasm", program);
    cpu.forEach((expected, i) => assertClose(wasm[i], expected, 1e-5, `separable stride=${stride} pad=${pad} grad ${i}`));
  }
});

test("depthwise gradient kernels with dilations satisfy the adjoint identity", async () => {
  const dilated: { x: number[]; f: number[]; dilations: [number, number]; pad: Pad }[] = [
    { x: [2, 12, 12, 3], f: [3, 3, 3, 1], dilations: [2, 2], pad: "same" },
    { x: [1, 13, 11, 2], f: [3, 2, 2, 2], dilations: [3, 2], pad: "valid" },
  ];
  for (const c of dilated) {
    const attrs = { strides: [1, 1], pad: c.pad, dilations: c.dilations, dimRoundingMode: undefined };
    const x = seeded(c.x, 61) as tf.Tensor4D;
    const w = seeded(c.f, 62) as tf.Tensor4D;
    assert.equal(await tf.setBackend("cpu"), true);
    const y = tf.depthwiseConv2d(x, w, 1, c.pad, "NHWC", c.dilations);
    const dy = seeded(y.shape, 63) as tf.Tensor4D;
    const lhs = (await tf.sum(tf.mul(dy, y)).data())[0];
    const [dW, dx] = await runOn("wasm", () => [
      tf.engine().runKernel("DepthwiseConv2dNativeBackpropFilter", { x, dy }, { ...attrs, filterShape: c.f } as never) as tf.Tensor,
      tf.engine().runKernel("DepthwiseConv2dNativeBackpropInput", { dy, filter: w }, { ...attrs, inputShape: c.x } as never) as tf.Tensor,
    ]);
    const wv = await w.data();
    const xv = await x.data();
    const dot = (a: ArrayLike<number>, b: ArrayLike<number>) => Array.from(a).reduce((s, v, i) => s + v * b[i], 0);
    assertClose([dot(dW, wv)], [lhs], 1e-5, `dilations=${c.dilations} <dW, W>`);
    assertClose([dot(dx, xv)], [lhs], 1e-5, `dilations=${c.dilations} <dx, x>`);
    tf.dispose([x, w, y, dy]);
  }
});
