import { test } from "node:test";
import assert from "node:assert/strict";
import { encodePng } from "../../kernel/display/raster/png-encode";
import { RgbaCanvas } from "../../kernel/display/raster/rgba-canvas";
import { renderPng } from "../../kernel/display/png-render";
import { buildScene } from "../../kernel/display/chart-scene";
import { buildChartData } from "../../kernel/display/chart-data";
import { RunRecord } from "../../kernel/display/run-record";
import { decodePng, inkCount } from "./png-reader";

test("encodePng writes a valid PNG whose pixels round-trip", () => {
  const c = new RgbaCanvas(7, 5, [255, 255, 255]);
  c.fillRect(2, 1, 3, 2, [10, 200, 30]);
  const img = decodePng(encodePng(c.width, c.height, c.pixels));
  assert.deepEqual(img.chunkTypes, ["IHDR", "IDAT", "IEND"]);
  assert.equal(img.width, 7);
  assert.equal(img.height, 5);
  assert.deepEqual(Buffer.from(img.pixels), Buffer.from(c.pixels));
  const at = (x: number, y: number) => [...img.pixels.subarray((y * 7 + x) * 4, (y * 7 + x) * 4 + 4)];
  assert.deepEqual(at(3, 2), [10, 200, 30, 255]);
  assert.deepEqual(at(0, 0), [255, 255, 255, 255]);
});

function chartPng(values: number[]): ReturnType<typeof decodePng> {
  const run = new RunRecord("r");
  values.forEach((v, i) => run.record("loss", "batch", i, v));
  const data = buildChartData([run], { logScale: false, smoothing: 0, buckets: 200, earlierBuckets: 50 });
  return decodePng(renderPng(buildScene(data, { width: 400, panelHeight: 200, title: "t", xLabel: "steps", logScale: false })));
}

test("the rasterized chart draws the series: pixels change with the data", () => {
  const rising = chartPng(Array.from({ length: 100 }, (_, i) => i));
  const falling = chartPng(Array.from({ length: 100 }, (_, i) => 100 - i));
  assert.equal(rising.width, 400);
  // Plot area: the line leaves ink there.
  const plot = { x: 60, y: 50, w: 320, h: 120 };
  assert.ok(inkCount(rising, plot) > 300, "line pixels in the plot area");
  let differing = 0;
  for (let i = 0; i < rising.pixels.length; i++) if (rising.pixels[i] !== falling.pixels[i]) differing++;
  assert.ok(differing > 500, `different data, different picture (${differing} bytes differ)`);
  // The bottom-left of the plot holds the rising line's start, not the falling one's.
  const corner = { x: 52, y: 150, w: 30, h: 30 };
  assert.ok(inkCount(rising, corner) > inkCount(falling, corner));
});

test("an opaque gray image (a digit grid) is written as 8-bit grayscale, smaller than RGBA, and round-trips", () => {
  const w = 56;
  const h = 56;
  const rgba = new Uint8Array(w * h * 4);
  for (let i = 0; i < w * h; i++) {
    const g = (i * 37) % 256;
    rgba.set([g, g, g, 255], i * 4);
  }
  const png = encodePng(w, h, rgba);
  assert.equal(png[25], 0, "IHDR colour type 0 (grayscale)");
  assert.deepEqual(Array.from(decodePng(png).pixels), Array.from(rgba));
  const tinted = rgba.slice();
  tinted[0] = 1; // one non-gray pixel forces RGBA
  const rgbaPng = encodePng(w, h, tinted);
  assert.equal(rgbaPng[25], 6);
  assert.ok(png.length < rgbaPng.length / 2, `gray ${png.length} B vs RGBA ${rgbaPng.length} B`);
});
