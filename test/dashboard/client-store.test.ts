/** The browser store (pure TS, run under node): pyramid thinning, zoomed thinning, incremental EMA. */
import { test } from "node:test";
import assert from "node:assert/strict";
import { ClientSeries, ClientStore } from "../../extension/client/store";

function filled(n: number, f: (i: number) => number, maxBuckets = 50): ClientSeries {
  const s = new ClientSeries("r1", "loss", "loss", maxBuckets);
  for (let i = 0; i < n; i++) s.push(i, i, i / 10, f(i));
  return s;
}

test("drawIndices stays near 2 × buckets however long the series, and keeps spikes", () => {
  const s = filled(100_000, (i) => (i === 77_777 ? 100 : Math.sin(i / 100)));
  const idx = s.drawIndices();
  assert.ok(idx.length <= 4 * 50 + 3, `${idx.length} points`);
  assert.ok(idx.includes(77_777), "the spike survives");
  for (let k = 1; k < idx.length; k++) assert.ok(idx[k] > idx[k - 1], "in order");
});

test("drawIndicesInRange re-thins the zoomed window from full resolution", () => {
  const s = filled(10_000, (i) => i % 7);
  const idx = s.drawIndicesInRange("step", 5000, 5020, 100);
  assert.ok(idx.length >= 21 && idx.length <= 23, String(idx.length));
  assert.ok(idx.includes(5010));
});

test("EMA smoothing is debiased and extends incrementally; NaNs become markers", () => {
  const s = filled(3, () => 2);
  assert.deepEqual(Array.from(s.smoothed(0.9).subarray(0, 3)), [2, 2, 2]);
  s.push(3, 3, 0, 4);
  const sm = s.smoothed(0.5);
  assert.ok(Math.abs(sm[3] - (0.5 * 0.5 * 0.5 * 2 * 0.5 + 0.5 * 0.5 * 2 * 0.5 + 0.5 * 2 * 0.5 + 0.5 * 4) / (1 - 0.5 ** 4)) < 1e-12);
  s.push(4, 4, 0, NaN);
  assert.deepEqual(s.markers, [4]);
  assert.ok(Number.isNaN(s.smoothed(0.5)[4]));
});

test("the store accepts chunks for runs it has not seen yet and resets series on request", () => {
  const store = new ClientStore();
  store.append({ run: "r2", key: "val/loss", group: "val", step: [1, 2], batch: [1, 2], time: [0, 1], y: [1, "Inf"] });
  assert.equal(store.series.get("r2|val/loss")!.length, 2);
  store.append({ run: "r2", key: "val/loss", group: "val", reset: true, step: [5], batch: [5], time: [2], y: [3] });
  assert.equal(store.series.get("r2|val/loss")!.length, 1);
  assert.deepEqual(store.groups(), ["val"]);
});
