/** A flat display list in pixels: what the SVG and PNG renderers draw, so both show the same picture. */
import type { MarkerKind } from "./decimate";

export type RGB = readonly [number, number, number];

export interface SceneRect { x: number; y: number; w: number; h: number; fill?: RGB; stroke?: RGB }
export interface SceneLine { points: number[]; color: RGB; opacity: number; width: number; dashed?: boolean }
export interface SceneDot { x: number; y: number; color: RGB; opacity: number }
export interface SceneMarker { x: number; y: number; kind: MarkerKind; color: RGB }
export interface SceneText { x: number; y: number; text: string; anchor: "start" | "middle" | "end"; color: RGB }

export interface Scene {
  width: number;
  height: number;
  background: RGB;
  rects: SceneRect[];
  lines: SceneLine[];
  dots: SceneDot[];
  markers: SceneMarker[];
  texts: SceneText[];
}

/** Text is drawn about this wide per character (both renderers keep to it). */
export const charWidth = 8;
export const textHeight = 10;
