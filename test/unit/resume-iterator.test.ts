/**
 * iteratorFrom: batches of any (async) iterable from a start index, as the loops consume them. Sync sources answer
 * without a promise (the batch loop then creates none), async ones pass their promises through, promised values are
 * awaited as `for await` would, a resume skips the batches already trained on, and return() reaches the source.
 * Through the Trainer: an array of batches and a generator with a resume position train on the expected batches.
 */
import { before, test } from "node:test";
import assert from "node:assert/strict";
import { tf, LightningModule, Trainer } from "../../kernel";
import { iteratorFrom } from "../../kernel/trainer/data/resume-iterator";
import { isPromise } from "../../kernel/trainer/maybe-async";

before(async () => {
  await tf.setBackend("cpu");
});

async function drain(it: ReturnType<typeof iteratorFrom>): Promise<unknown[]> {
  const out: unknown[] = [];
  for (;;) {
    const r = await it.next();
    if (r.done) return out;
    out.push(r.value);
  }
}

test("a sync iterable answers synchronously and skips `start` items", () => {
  const it = iteratorFrom([10, 11, 12, 13], 2);
  const a = it.next();
  assert.ok(!isPromise(a), "no promise for an in-memory source");
  assert.deepEqual(a, { done: false, value: 12 });
  assert.deepEqual(it.next(), { done: false, value: 13 });
  assert.equal((it.next() as IteratorResult<unknown>).done, true);
});

test("an async iterable passes its promises through, skipping `start` items", async () => {
  async function* gen() {
    for (let i = 0; i < 5; i++) yield i;
  }
  const it = iteratorFrom(gen(), 3);
  const first = it.next();
  assert.ok(isPromise(first));
  assert.deepEqual(await first, { done: false, value: 3 });
  assert.deepEqual(await drain(it), [4]);
  // Nothing left to skip: the source's own promise comes back, with no promise chained on it.
  const own = Promise.resolve({ done: false, value: "b" });
  const source = { [Symbol.asyncIterator]: () => ({ next: () => own }) };
  assert.equal(iteratorFrom(source, 0).next(), own);
});

test("promised values of a sync iterable are awaited, like for await", async () => {
  const it = iteratorFrom([Promise.resolve("a"), "b"], 0);
  assert.deepEqual(await it.next(), { done: false, value: "a" });
  assert.deepEqual(it.next(), { done: false, value: "b" });
});

test("a resume deep into a long source does not grow the stack", async () => {
  function* many() {
    for (let i = 0; i < 200_000; i++) yield i;
  }
  assert.deepEqual(iteratorFrom(many(), 199_999).next(), { done: false, value: 199_999 });
  async function* manyAsync() {
    for (let i = 0; i < 20_000; i++) yield i;
  }
  assert.deepEqual(await iteratorFrom(manyAsync(), 19_999).next(), { done: false, value: 19_999 });
});

test("return() reaches the source, so a generator's cleanup runs", async () => {
  let cleaned = false;
  async function* gen() {
    try {
      for (let i = 0; ; i++) yield i;
    } finally {
      cleaned = true;
    }
  }
  const it = iteratorFrom(gen(), 0);
  await it.next();
  await it.return!(undefined);
  assert.ok(cleaned);
});

class Recorder extends LightningModule {
  w = tf.variable(tf.zeros([1]));
  seen: number[] = [];
  configureOptimizers() {
    return tf.train.sgd(0.1);
  }
  trainingStep(batch: { i: number; x: tf.Tensor }) {
    this.seen.push(batch.i);
    return tf.sum(tf.mul(this.w, batch.x)) as tf.Scalar;
  }
}

test("the Trainer trains on an array of batches and on a generator, and stops the generator at the epoch's end", async () => {
  const batches = [0, 1, 2].map((i) => ({ i, x: tf.ones([1]) }));
  const m = new Recorder();
  await new Trainer({ maxEpochs: 2, logger: false, enableProgressBar: false, enableCheckpointing: false, live: false }).fit(m, batches);
  assert.deepEqual(m.seen, [0, 1, 2, 0, 1, 2]);

  let closed = 0;
  function* gen() {
    try {
      for (let i = 0; i < 10; i++) yield { i, x: tf.ones([1]) };
    } finally {
      closed++;
    }
  }
  const g = new Recorder();
  await new Trainer({ maxEpochs: 1, limitTrainBatches: 4, logger: false, enableProgressBar: false, enableCheckpointing: false, live: false })
    .fit(g, { [Symbol.iterator]: gen });
  assert.deepEqual(g.seen, [0, 1, 2, 3]);
  assert.equal(closed, 1, "the generator's finally ran when the epoch stopped early");
  tf.dispose(batches.map((b) => b.x));
});
