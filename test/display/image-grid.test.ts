import { test } from "node:test";
import assert from "node:assert/strict";
import * as tf from "@tensorflow/tfjs";
import { gridLayout, imageBatchShape, readImageBatches, renderImageGrid } from "../../kernel/display/image-grid";
import { LiveChart } from "../../kernel/display/live-chart";
import { MemorySink } from "../../kernel/display/memory-sink";
import { ManualScheduler } from "../../kernel/display/scheduler";
import { clearRuns } from "../../kernel/display/run-registry";
import { decodePng } from "./png-reader";
import { simulateFit } from "./simulated-fit";

test("image batch shapes: [N,H,W] and [N,H,W,1|3|4] accepted, others refused", () => {
  assert.deepEqual(imageBatchShape([16, 28, 28]), [16, 28, 28, 1]);
  assert.deepEqual(imageBatchShape([4, 8, 8, 3]), [4, 8, 8, 3]);
  assert.equal(imageBatchShape([4, 8, 8, 2]), null);
  assert.equal(imageBatchShape([10]), null);
});

test("grid layout: square-ish, small images upscaled, capped at 64 images", () => {
  const l = gridLayout([16, 28, 28, 1]);
  assert.deepEqual([l.n, l.cols, l.rows], [16, 4, 4]);
  assert.equal(l.tileW, 56, "28 px upscaled ×2");
  assert.equal(gridLayout([500, 8, 8, 1]).n, 64);
});

test("grid pixels from tensors in [-1,1] (gray) and [0,1] (RGB)", async () => {
  const gray = tf.tidy(() => tf.concat([tf.fill([2, 4, 4], -1), tf.fill([2, 4, 4], 1)])); // 2 black, 2 white
  const rgb = tf.tidy(() => tf.stack([tf.fill([4, 4, 3], 0), tf.fill([4, 4, 3], 1)]).mul(tf.tensor1d([1, 0, 0]))); // black, red
  const batches = await readImageBatches({ fake: gray, color: rgb, notImage: tf.zeros([3]) });
  assert.deepEqual(batches.map((b) => b.name), ["fake", "color"]);
  const canvas = renderImageGrid(batches);
  const img = decodePng(require("../../kernel/display/raster/png-encode").encodePng(canvas.width, canvas.height, canvas.pixels));
  const l = gridLayout(batches[0].shape);
  const px = (x: number, y: number) => [...img.pixels.subarray((y * img.width + x) * 4, (y * img.width + x) * 4 + 3)];
  const tileCenter = (k: number, top: number, lay = l) => px(2 + (k % lay.cols) * (lay.tileW + 2) + lay.tileW / 2, top + 2 + Math.floor(k / lay.cols) * (lay.tileH + 2) + lay.tileH / 2);
  assert.deepEqual(tileCenter(0, 16), [0, 0, 0], "-1 → black");
  assert.deepEqual(tileCenter(3, 16), [255, 255, 255], "+1 → white");
  const top2 = 16 + l.rows * (l.tileH + 2) + 2 + 16;
  const l2 = gridLayout(batches[1].shape);
  assert.deepEqual(tileCenter(1, top2, l2), [255, 0, 0], "RGB red");
  tf.dispose([gray, rgb]);
});

test("LiveChart puts image grids in their own display, throttled separately", async () => {
  clearRuns();
  const clock = new ManualScheduler();
  const sink = new MemorySink(() => clock.now());
  const chart = new LiveChart({ name: "img" }, { sink, scheduler: clock, imageIntervalMs: 1000 });
  const t = tf.ones([4, 8, 8]);
  simulateFit({
    onFitStart: (tr, m) => chart.onFitStart(tr, m),
    onBatchScalars: (tr, m, s) => chart.onBatchScalars(tr, m, s),
  }, { epochs: 1, batchesPerEpoch: 10, msPerBatch: 10 }, clock);
  // 30 image batches 100 ms apart: 3 s → at most one grid per second.
  let reads = 0;
  const counting = { fake: new Proxy(t, { get: (o, k) => (k === "data" ? (reads++, o.data.bind(o)) : (o as any)[k]) }) };
  for (let i = 0; i < 30; i++) {
    await chart.onBatchImages({} as any, {}, counting as any, { globalStep: i, batchIdx: i });
    clock.advance(100);
  }
  const imageId = chart.images!.id;
  assert.notEqual(imageId, chart.chart!.id);
  const grids = sink.forDisplay(imageId);
  assert.ok(grids.length >= 2 && grids.length <= 4, `${grids.length} grids in 3 s`);
  assert.equal(reads, grids.length, "pixels read only when a grid is sent");
  assert.equal(grids[0].type, "display_data");
  assert.deepEqual(Object.keys(grids[0].content.data).sort(), ["image/png", "text/plain"]);
  decodePng(Buffer.from(grids[0].content.data["image/png"] as string, "base64"));
  t.dispose();
});
