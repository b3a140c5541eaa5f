/**
 * Min/max decimation per x-bucket: each bucket keeps its lowest and highest finite point (in x order), so spikes
 * survive however many points a bucket holds (LTTB would drop them). Non-finite values become markers, one per
 * kind per bucket, so a NaN loss is visible even when surrounded by a million finite points.
 */
export type MarkerKind = "nan" | "+inf" | "-inf";

export interface Marker {
  x: number;
  kind: MarkerKind;
}

export interface Decimated {
  x: number[];
  y: number[];
  markers: Marker[];
}

export function markerKind(y: number): MarkerKind {
  return Number.isNaN(y) ? "nan" : y > 0 ? "+inf" : "-inf";
}

/**
 * `buckets` equal-width buckets over [xMin, xMax]; at most 2 points per bucket. Points outside the range are ignored.
 * With `acceptY` (e.g. "positive" for log axes) rejected finite values are skipped.
 */
export function decimateMinMax(
  xs: ArrayLike<number>,
  ys: ArrayLike<number>,
  xMin: number,
  xMax: number,
  buckets: number,
  acceptY: (y: number) => boolean = () => true,
): Decimated {
  const out: Decimated = { x: [], y: [], markers: [] };
  const n = Math.min(xs.length, ys.length);
  const span = xMax - xMin;
  const scale = span > 0 ? buckets / span : 0;
  let bucket = -1;
  let iMin = -1;
  let iMax = -1;
  let seenMarkers = 0; // bit set of marker kinds already emitted in this bucket
  const emit = () => {
    if (iMin < 0) return;
    const a = Math.min(iMin, iMax);
    const b = Math.max(iMin, iMax);
    out.x.push(xs[a]);
    out.y.push(ys[a]);
    if (b !== a) {
      out.x.push(xs[b]);
      out.y.push(ys[b]);
    }
  };
  for (let i = 0; i < n; i++) {
    const x = xs[i];
    if (x < xMin || x > xMax) continue;
    const b = Math.min(buckets - 1, Math.floor((x - xMin) * scale));
    if (b !== bucket) {
      emit();
      bucket = b;
      iMin = iMax = -1;
      seenMarkers = 0;
    }
    const y = ys[i];
    if (!Number.isFinite(y)) {
      const kind = markerKind(y);
      const bit = kind === "nan" ? 1 : kind === "+inf" ? 2 : 4;
      if (!(seenMarkers & bit)) out.markers.push({ x, kind });
      seenMarkers |= bit;
      continue;
    }
    if (!acceptY(y)) continue;
    if (iMin < 0 || y < ys[iMin]) iMin = i;
    if (iMax < 0 || y > ys[iMax]) iMax = i;
  }
  emit();
  return out;
}
