/**
 * Image batches → one PNG: a labelled grid per name, stacked. Accepts [N,H,W] and [N,H,W,1|3|4]; values in
 * [0,1] or [-1,1] (detected from the minimum; values above 1.5 are taken as 0–255).
 */
import type * as tf from "@tensorflow/tfjs";
import { RgbaCanvas } from "./raster/rgba-canvas";

export interface ImageBatch {
  name: string;
  /** [N, H, W, C] with C in 1, 3, 4. */
  shape: [number, number, number, number];
  values: ArrayLike<number>;
}

export const maxImagesPerGrid = 64;
const maxGridWidth = 768;
const minTile = 64;
const pad = 2;
const labelHeight = 16;

/** Normalises a tensor shape to [N,H,W,C], or null when it is not an image batch. */
export function imageBatchShape(shape: readonly number[]): [number, number, number, number] | null {
  if (shape.length === 3) return [shape[0], shape[1], shape[2], 1];
  if (shape.length === 4 && [1, 3, 4].includes(shape[3])) return [shape[0], shape[1], shape[2], shape[3]];
  return null;
}

/** Reads the pixels of image tensors (async: never blocks on the device). Non-image shapes are skipped. */
export async function readImageBatches(images: Record<string, tf.Tensor>): Promise<ImageBatch[]> {
  const out: ImageBatch[] = [];
  for (const [name, t] of Object.entries(images)) {
    const shape = imageBatchShape(t.shape);
    if (!shape || shape[0] === 0) continue;
    out.push({ name, shape, values: await t.data() });
  }
  return out;
}

/** Maps raw values to 0–255 for the batch's range convention. */
export function byteMapper(values: ArrayLike<number>): (v: number) => number {
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const toUnit = max > 1.5 ? (v: number) => v / 255 : min < 0 ? (v: number) => (v + 1) / 2 : (v: number) => v;
  return (v) => (Number.isFinite(v) ? Math.round(255 * Math.min(1, Math.max(0, toUnit(v)))) : 0);
}

/** Grid geometry of one batch: columns, rows and the tile size in pixels (nearest-neighbour scaled). */
export function gridLayout(shape: [number, number, number, number]): { n: number; cols: number; rows: number; tileW: number; tileH: number } {
  const [count, h, w] = shape;
  const n = Math.min(count, maxImagesPerGrid);
  const cols = Math.ceil(Math.sqrt(n));
  const rows = Math.ceil(n / cols);
  const upscale = Math.max(1, Math.min(8, Math.floor(minTile / Math.max(h, w))));
  const fit = (maxGridWidth - pad * (cols + 1)) / (cols * w);
  const scale = Math.min(upscale, fit);
  return { n, cols, rows, tileW: Math.max(1, Math.floor(w * scale)), tileH: Math.max(1, Math.floor(h * scale)) };
}

export function renderImageGrid(batches: ImageBatch[]): RgbaCanvas {
  const layouts = batches.map((b) => gridLayout(b.shape));
  const width = Math.max(120, ...layouts.map((l) => l.cols * (l.tileW + pad) + pad));
  const height = layouts.reduce((sum, l) => sum + labelHeight + l.rows * (l.tileH + pad) + pad, 0);
  const canvas = new RgbaCanvas(width, Math.max(1, height), [255, 255, 255]);
  let top = 0;
  batches.forEach((b, bi) => {
    const l = layouts[bi];
    canvas.text(pad, top + 12, `${b.name} [${b.shape.slice(0, b.shape[3] === 1 ? 3 : 4).join("x")}]`, [60, 60, 60], 2);
    top += labelHeight;
    const toByte = byteMapper(b.values);
    const [, h, w, c] = b.shape;
    for (let k = 0; k < l.n; k++) {
      const ox = pad + (k % l.cols) * (l.tileW + pad);
      const oy = top + pad + Math.floor(k / l.cols) * (l.tileH + pad);
      for (let ty = 0; ty < l.tileH; ty++) {
        const sy = Math.min(h - 1, Math.floor((ty * h) / l.tileH));
        for (let tx = 0; tx < l.tileW; tx++) {
          const sx = Math.min(w - 1, Math.floor((tx * w) / l.tileW));
          const src = ((k * h + sy) * w + sx) * c;
          const dst = ((oy + ty) * canvas.width + ox + tx) * 4;
          const r = toByte(b.values[src]);
          canvas.pixels[dst] = r;
          canvas.pixels[dst + 1] = c >= 3 ? toByte(b.values[src + 1]) : r;
          canvas.pixels[dst + 2] = c >= 3 ? toByte(b.values[src + 2]) : r;
        }
      }
    }
    top += l.rows * (l.tileH + pad) + pad;
  });
  return canvas;
}
