/** An RGBA pixel buffer with alpha-blended anti-aliased lines (Xiaolin Wu), discs, rectangles and bitmap text. */
import { glyphHeight, glyphRows, glyphWidth } from "./bitmap-font";

export type RGB = readonly [number, number, number];

export class RgbaCanvas {
  readonly pixels: Uint8Array;

  constructor(readonly width: number, readonly height: number, background: RGB = [255, 255, 255]) {
    this.pixels = new Uint8Array(width * height * 4);
    for (let i = 0; i < this.pixels.length; i += 4) {
      this.pixels[i] = background[0];
      this.pixels[i + 1] = background[1];
      this.pixels[i + 2] = background[2];
      this.pixels[i + 3] = 255;
    }
  }

  /** Blends `color` over pixel (x, y) with coverage `alpha` in [0, 1]. */
  blend(x: number, y: number, color: RGB, alpha: number): void {
    if (x < 0 || y < 0 || x >= this.width || y >= this.height || !(alpha > 0)) return;
    const a = Math.min(1, alpha);
    const i = (y * this.width + x) * 4;
    const p = this.pixels;
    p[i] = p[i] + (color[0] - p[i]) * a;
    p[i + 1] = p[i + 1] + (color[1] - p[i + 1]) * a;
    p[i + 2] = p[i + 2] + (color[2] - p[i + 2]) * a;
  }

  /** Anti-aliased line; widths above 1 add parallel strokes offset along the minor axis. */
  line(x0: number, y0: number, x1: number, y1: number, color: RGB, alpha = 1, width = 1): void {
    if (![x0, y0, x1, y1].every(Number.isFinite)) return;
    const steep = Math.abs(y1 - y0) > Math.abs(x1 - x0);
    const extra = Math.max(0, Math.round(width - 1));
    for (let k = 0; k <= extra; k++) {
      const off = k - extra / 2;
      if (steep) this.wu(x0 + off, y0, x1 + off, y1, color, alpha, true);
      else this.wu(x0, y0 + off, x1, y1 + off, color, alpha, false);
    }
  }

  private wu(x0: number, y0: number, x1: number, y1: number, color: RGB, alpha: number, steep: boolean): void {
    // Work in a frame where x is the major axis.
    let [ax, ay, bx, by] = steep ? [y0, x0, y1, x1] : [x0, y0, x1, y1];
    if (ax > bx) [ax, ay, bx, by] = [bx, by, ax, ay];
    const dx = bx - ax;
    const gradient = dx === 0 ? 0 : (by - ay) / dx;
    const plot = (u: number, v: number, c: number) => (steep ? this.blend(v, u, color, c * alpha) : this.blend(u, v, color, c * alpha));
    const start = Math.round(ax);
    const end = Math.round(bx);
    let v = ay + gradient * (start - ax);
    for (let u = start; u <= end; u++) {
      const fv = Math.floor(v);
      const frac = v - fv;
      plot(u, fv, 1 - frac);
      plot(u, fv + 1, frac);
      v += gradient;
    }
  }

  dashedLine(x0: number, y0: number, x1: number, y1: number, color: RGB, alpha = 1, dash = 4, gap = 3): void {
    const len = Math.hypot(x1 - x0, y1 - y0);
    if (len === 0) return;
    for (let s = 0; s < len; s += dash + gap) {
      const e = Math.min(len, s + dash);
      this.line(x0 + ((x1 - x0) * s) / len, y0 + ((y1 - y0) * s) / len, x0 + ((x1 - x0) * e) / len, y0 + ((y1 - y0) * e) / len, color, alpha);
    }
  }

  fillRect(x: number, y: number, w: number, h: number, color: RGB, alpha = 1): void {
    for (let j = Math.round(y); j < Math.round(y + h); j++) for (let i = Math.round(x); i < Math.round(x + w); i++) this.blend(i, j, color, alpha);
  }

  strokeRect(x: number, y: number, w: number, h: number, color: RGB): void {
    const [l, t, r, b] = [Math.round(x), Math.round(y), Math.round(x + w), Math.round(y + h)];
    this.fillRect(l, t, r - l + 1, 1, color);
    this.fillRect(l, b, r - l + 1, 1, color);
    this.fillRect(l, t, 1, b - t + 1, color);
    this.fillRect(r, t, 1, b - t + 1, color);
  }

  disc(cx: number, cy: number, radius: number, color: RGB, alpha = 1): void {
    for (let j = Math.floor(cy - radius - 1); j <= Math.ceil(cy + radius + 1); j++) {
      for (let i = Math.floor(cx - radius - 1); i <= Math.ceil(cx + radius + 1); i++) {
        const d = Math.hypot(i - cx, j - cy);
        this.blend(i, j, color, alpha * Math.max(0, Math.min(1, radius + 0.5 - d)));
      }
    }
  }

  /** Width in pixels of `text` at `scale`. */
  static textWidth(text: string, scale: number): number {
    return [...text].length * (glyphWidth + 1) * scale;
  }

  /** Bitmap text with its baseline at y. */
  text(x: number, y: number, text: string, color: RGB, scale = 2, anchor: "start" | "middle" | "end" = "start"): void {
    const w = RgbaCanvas.textWidth(text, scale);
    let left = Math.round(anchor === "start" ? x : anchor === "middle" ? x - w / 2 : x - w);
    const top = Math.round(y - glyphHeight * scale);
    for (const ch of text) {
      const rows = glyphRows(ch);
      for (let r = 0; r < glyphHeight; r++) {
        for (let c = 0; c < glyphWidth; c++) if (rows[r][c] === "#") this.fillRect(left + c * scale, top + r * scale, scale, scale, color);
      }
      left += (glyphWidth + 1) * scale;
    }
  }
}
