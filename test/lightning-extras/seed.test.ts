/** seedEverything: two runs with the same seed give identical weights on cpu (and on wasm, run against wasm). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf, seedEverything, unseed } from "../../kernel";
import { loaders, quietTrainer, Regressor, weightsOf } from "./helpers";

class Noisy extends Regressor {
  override trainingStep(b: any): unknown {
    // randomness inside the step (dropout-like mask) to exercise the seeded stream
    const mask = tf.cast(tf.greater(tf.randomUniform(b.x.shape), 0.2), "float32");
    const loss = tf.losses.meanSquaredError(b.y, this.net.apply(tf.mul(b.x, mask)) as tf.Tensor) as tf.Scalar;
    return loss;
  }
}

async function runOnce(seed: number): Promise<number[][]> {
  seedEverything(seed);
  const { train } = loaders(true);
  const m = new Noisy(8, 0.01);
  await quietTrainer({ maxEpochs: 2 }).fit(m, train);
  return weightsOf(m);
}

for (const backend of ["cpu", "wasm"]) {
  test(`same seed → identical weights on ${backend}; another seed → different`, async () => {
    assert.equal(await tf.setBackend(backend), true);
    const a = await runOnce(42);
    const b = await runOnce(42);
    const c = await runOnce(43);
    assert.deepEqual(a, b);
    assert.notDeepEqual(a, c);
    unseed();
  });
}
