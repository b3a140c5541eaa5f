/** Scene → PNG, rasterized in the kernel: the static chart that GitHub, nbviewer and classic Notebook show. */
import { encodePng } from "./raster/png-encode";
import { RgbaCanvas } from "./raster/rgba-canvas";
import type { Scene } from "./scene";

export function rasterizeScene(scene: Scene): RgbaCanvas {
  const c = new RgbaCanvas(Math.round(scene.width), Math.round(scene.height), scene.background);
  for (const r of scene.rects) {
    if (r.fill) c.fillRect(r.x, r.y, r.w, r.h, r.fill);
    if (r.stroke) c.strokeRect(r.x, r.y, r.w, r.h, r.stroke);
  }
  for (const l of scene.lines) {
    for (let i = 0; i + 3 < l.points.length; i += 2) {
      const [x0, y0, x1, y1] = [l.points[i], l.points[i + 1], l.points[i + 2], l.points[i + 3]];
      if (l.dashed) c.dashedLine(x0, y0, x1, y1, l.color, l.opacity);
      else c.line(x0, y0, x1, y1, l.color, l.opacity, l.width);
    }
  }
  for (const d of scene.dots) c.disc(d.x, d.y, 2.5, d.color, d.opacity);
  for (const m of scene.markers) {
    if (m.kind === "nan") {
      c.line(m.x - 3, m.y - 3, m.x + 3, m.y + 3, m.color, 1, 2);
      c.line(m.x - 3, m.y + 3, m.x + 3, m.y - 3, m.color, 1, 2);
    } else {
      const dir = m.kind === "+inf" ? 1 : -1;
      for (let k = 0; k <= 6; k++) c.line(m.x - k * 0.6, m.y - dir * (3 - k), m.x + k * 0.6, m.y - dir * (3 - k), m.color);
    }
  }
  for (const t of scene.texts) c.text(t.x, t.y, t.text, t.color, 2, t.anchor);
  return c;
}

export function renderPng(scene: Scene): Buffer {
  const c = rasterizeScene(scene);
  return encodePng(c.width, c.height, c.pixels);
}
