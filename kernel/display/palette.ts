/** Series colours (Tableau 10: distinguishable, colour-blind friendly enough) as [r, g, b]. */
export const palette: ReadonlyArray<readonly [number, number, number]> = [
  [31, 119, 180], [255, 127, 14], [44, 160, 44], [214, 39, 40], [148, 103, 189],
  [140, 86, 75], [227, 119, 194], [127, 127, 127], [188, 189, 34], [23, 190, 207],
];

export function colorAt(i: number): readonly [number, number, number] {
  return palette[((i % palette.length) + palette.length) % palette.length];
}

export function cssColor(rgb: readonly [number, number, number]): string {
  return `#${rgb.map((c) => c.toString(16).padStart(2, "0")).join("")}`;
}

/** Colour of NaN/Inf markers. */
export const markerColor: readonly [number, number, number] = [220, 0, 0];
