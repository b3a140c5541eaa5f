/** Issue 8: the chosen backend is reported in the first display of a fit and in its final summary (real Trainer). */
import { test } from "node:test";
import assert from "node:assert/strict";
import { tf, LightningModule, Trainer, DataLoader, LiveChart } from "../../kernel";
import { MemorySink } from "../../kernel/display/memory-sink";

class Tiny extends LightningModule {
  w = tf.tidy(() => tf.variable(tf.scalar(1)));
  configureOptimizers() { return tf.train.sgd(0.1); }
  trainingStep(b: { x: tf.Tensor }) { return tf.mean(tf.square(tf.mul(this.w, b.x))) as tf.Scalar; }
}

test("the first live frame and the final summary name the backend", async () => {
  await tf.setBackend("cpu");
  const sink = new MemorySink();
  const trainer = new Trainer({ maxEpochs: 1, logger: false, enableCheckpointing: false, live: false, enableProgressBar: false,
    callbacks: [new LiveChart({}, { sink })] });
  const m = new Tiny();
  await trainer.fit(m, new DataLoader({ x: tf.ones([4, 1]) }, { batchSize: 2 }));
  assert.equal(trainer.backendLabel, "cpu");
  const chart = sink.displayIds()[0];
  const msgs = sink.forDisplay(chart);
  assert.equal(msgs[0].type, "display_data");
  assert.match(String(msgs[0].content.data["text/plain"]), /starting on cpu/);
  assert.match(String(sink.lastBundle(chart)!.content.data["text/plain"]), /^finished .* on cpu/);
});
