/**
 * Scene → SVG text, rendered in the kernel (no DOM). Attributes use single quotes so the SVG needs no escaping
 * inside the JSON message; all user text goes through escapeXml.
 */
import { escapeXml } from "./escape";
import { cssColor } from "./palette";
import type { Scene, SceneMarker } from "./scene";

const opacityAttr = (o: number) => (o < 1 ? ` opacity='${o}'` : "");

function markerPath(m: SceneMarker): string {
  const { x, y } = m;
  if (m.kind === "nan") return `M${x - 3} ${y - 3}L${x + 3} ${y + 3}M${x - 3} ${y + 3}L${x + 3} ${y - 3}`;
  return m.kind === "+inf" ? `M${x} ${y - 4}L${x + 4} ${y + 3}L${x - 4} ${y + 3}Z` : `M${x} ${y + 4}L${x + 4} ${y - 3}L${x - 4} ${y - 3}Z`;
}

export function renderSvg(scene: Scene): string {
  const out: string[] = [
    `<svg xmlns='http://www.w3.org/2000/svg' width='${scene.width}' height='${scene.height}' viewBox='0 0 ${scene.width} ${scene.height}' font-family='sans-serif' font-size='12'>`,
    `<rect width='100%' height='100%' fill='${cssColor(scene.background)}'/>`,
  ];
  for (const r of scene.rects) {
    out.push(`<rect x='${r.x}' y='${r.y}' width='${r.w}' height='${r.h}' fill='${r.fill ? cssColor(r.fill) : "none"}' stroke='${r.stroke ? cssColor(r.stroke) : "none"}'/>`);
  }
  for (const l of scene.lines) {
    out.push(
      `<polyline fill='none' stroke='${cssColor(l.color)}' stroke-width='${l.width}'${opacityAttr(l.opacity)}${l.dashed ? " stroke-dasharray='4 3'" : ""} points='${l.points.join(" ")}'/>`,
    );
  }
  for (const d of scene.dots) out.push(`<circle cx='${d.x}' cy='${d.y}' r='2.5' fill='${cssColor(d.color)}'${opacityAttr(d.opacity)}/>`);
  if (scene.markers.length > 0) {
    const color = cssColor(scene.markers[0].color);
    out.push(`<path fill='${color}' stroke='${color}' stroke-width='1.5' d='${scene.markers.map(markerPath).join("")}'/>`);
  }
  for (const t of scene.texts) {
    const anchor = t.anchor === "start" ? "" : ` text-anchor='${t.anchor}'`;
    out.push(`<text x='${t.x}' y='${t.y}'${anchor} fill='${cssColor(t.color)}'>${escapeXml(t.text)}</text>`);
  }
  out.push("</svg>");
  return out.join("");
}
