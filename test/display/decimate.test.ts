import { test } from "node:test";
import assert from "node:assert/strict";
import { decimateMinMax } from "../../kernel/display/decimate";
import { Series } from "../../kernel/display/series";
import { GrowthBuffer } from "../../kernel/display/growth-buffer";
import { buildChartData } from "../../kernel/display/chart-data";
import { RunRecord } from "../../kernel/display/run-record";

const n = 100_000;
const xs = Float64Array.from({ length: n }, (_, i) => i);

test("min/max decimation keeps at most 2 points per bucket and every spike", () => {
  const ys = Float64Array.from({ length: n }, (_, i) => Math.sin(i / 50) * 0.1);
  ys[12_345] = 100; // one-sample spikes in both directions
  ys[77_777] = -50;
  const d = decimateMinMax(xs, ys, 0, n - 1, 500);
  assert.ok(d.x.length <= 1000, `${d.x.length} points`);
  assert.ok(d.x.includes(12_345) && d.y.includes(100), "positive spike kept");
  assert.ok(d.x.includes(77_777) && d.y.includes(-50), "negative spike kept");
  for (let i = 1; i < d.x.length; i++) assert.ok(d.x[i] >= d.x[i - 1], "x stays ordered");
});

test("NaN and ±Inf become markers (one per kind per bucket), never line points", () => {
  const ys = Float64Array.from({ length: n }, () => 1);
  ys[500] = NaN;
  ys[501] = NaN; // same bucket: one marker
  ys[50_000] = Infinity;
  ys[90_000] = -Infinity;
  const d = decimateMinMax(xs, ys, 0, n - 1, 500);
  assert.deepEqual(d.markers, [{ x: 500, kind: "nan" }, { x: 50_000, kind: "+inf" }, { x: 90_000, kind: "-inf" }]);
  assert.ok(d.y.every(Number.isFinite));
});

test("log axes skip non-positive values", () => {
  const d = decimateMinMax([0, 1, 2, 3], [1, -1, 0, 10], 0, 3, 4, (y) => y > 0);
  assert.deepEqual(d.y, [1, 10]);
});

test("EMA smoothing is debiased and passes NaN through without poisoning", () => {
  const series = new Series("loss", "batch");
  [2, 2, NaN].forEach((v, i) => series.append(i, v));
  assert.equal(series.smoothed(0.9)[0], 2);
  series.append(3, 2); // extended incrementally
  const s = series.smoothed(0.9);
  assert.equal(s.length, 4);
  assert.ok(Number.isNaN(s[2]));
  assert.ok(Math.abs(s[3] - 2) < 1e-12);
});

test("growth buffers keep full resolution in memory", () => {
  const b = new GrowthBuffer(2);
  for (let i = 0; i < 1000; i++) b.push(i);
  assert.equal(b.length, 1000);
  assert.equal(b.view()[999], 999);
  assert.equal(b.last(), 999);
});

test("chart data: panels by group prefix, validation on the training metric's axes, smoothing adds a raw twin", () => {
  const run = new RunRecord("r");
  for (let i = 0; i < 10; i++) {
    run.record("train_loss", "batch", i, 1);
    run.record("gan/dLoss", "batch", i, 1);
    run.record("gan/gLoss", "batch", i, 2);
  }
  run.record("val_loss", "val", 9, 0.5);
  const data = buildChartData([run], { logScale: false, smoothing: 0.6, buckets: 100, earlierBuckets: 10 });
  assert.deepEqual(data.panels.map((p) => p.title), ["loss", "gan"]);
  const loss = data.panels[0].traces;
  assert.deepEqual(loss.map((t) => `${t.series}:${t.role}`), ["train_loss:raw", "train_loss:smoothed", "val_loss:line"]);
  const groups = buildChartData([run], { groups: { adversarial: ["gan/dLoss", "gan/gLoss"] }, logScale: false, smoothing: 0, buckets: 100, earlierBuckets: 10 });
  assert.deepEqual(groups.panels.map((p) => p.title), ["loss", "adversarial"]);
});
