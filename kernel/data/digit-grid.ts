/** Image batches (e.g. a generator's digits) → one PNG grid, to show with `tslab.display.png(...)`. */
import type * as tf from "@tensorflow/tfjs";
import { readImageBatches, renderImageGrid } from "../display/image-grid";
import { encodePng } from "../display/raster/png-encode";

/**
 * Each entry is a labelled grid; tensors shaped `[N,H,W]` or `[N,H,W,1|3]` with values in [0,1] or [-1,1]
 * (at most 64 images per grid are drawn). Reads the pixels asynchronously; the caller keeps ownership of the tensors.
 */
export async function imageGridPng(images: Record<string, tf.Tensor>): Promise<Uint8Array> {
  const grid = renderImageGrid(await readImageBatches(images));
  return encodePng(grid.width, grid.height, grid.pixels);
}
