/**
 * The dashboard's wire protocol over one WebSocket. Shared by the kernel's server (`kernel/stream`) and the browser
 * client. Bump `protocolVersion` on incompatible changes.
 *
 * Server → client: `hello` is a JSON text message; every `frame` is one binary message:
 *
 *     [u32 LE: header bytes H][H bytes: UTF-8 JSON header, space-padded so 4 + H is a multiple of 8][float64 columns]
 *
 * The header is the frame with `points` as `ChunkHead`s (`n` points each); the columns follow in chunk order, four
 * per chunk: step[n], batch[n], time[n] (ms since the run started), y[n] (NaN/±Infinity as themselves). Float64 in
 * little-endian order. The same bytes go to every client that keeps up, so the kernel encodes a frame once.
 */
export const protocolVersion = 2;

/** A y value on the wire: JSON has no NaN/Infinity, so those travel as strings. */
export type WireY = number | "NaN" | "Inf" | "-Inf";

export interface RunMeta {
  id: string;
  name: string;
  /** `#rrggbb`. */
  color: string;
  status: "running" | "finished" | "interrupted" | "failed";
  /** Scalar hyper-parameters (strings, numbers, booleans) for the hover card. */
  hparams: Record<string, string | number | boolean | null>;
  /** Epoch ms at the start of the run (the time axis is relative to it). */
  startedAt: number;
  backend?: string;
}

/** New points of one series, as columns (same length). */
export interface SeriesChunk extends ChunkInfo {
  step: ArrayLike<number>;
  batch: ArrayLike<number>;
  /** Seconds since the run started. */
  time: ArrayLike<number>;
  y: ArrayLike<WireY>;
}

/** A chunk's description in a binary frame's header (its columns follow the header). */
export interface ChunkHead extends ChunkInfo {
  n: number;
}

export interface ChunkInfo {
  run: string;
  /** Metric name, e.g. `batchMetrics/dLoss`. */
  key: string;
  /** Panel the metric belongs to (the prefix before `/`, stage decorations stripped). */
  group: string;
  /** True: replace what the client holds for this series (the kernel compacted it). */
  reset?: boolean;
  /** True: the kernel thinned these points (the client was behind or connected late). */
  decimated?: boolean;
}

export interface ImageMsg {
  run: string;
  step: number;
  /** Names of the image batches in the grid. */
  names: string[];
  /** `data:image/png;base64,...` */
  src: string;
  width: number;
  height: number;
}

export type ServerMessage =
  | { type: "hello"; protocol: number; session: string; kernelPid: number }
  | { type: "frame"; runs?: RunMeta[]; removed?: string[]; points?: SeriesChunk[]; images?: ImageMsg[]; caughtUp?: boolean };

/** The only messages a client may send. Anything else is ignored; nothing is ever evaluated. */
export type ClientMessage =
  | { type: "rename"; run: string; name: string }
  | { type: "color"; run: string; color: string };

/** Limits both sides agree on. */
export const limits = {
  /** Largest client message the server accepts (bytes). */
  maxClientPayload: 1024,
  maxRunNameLength: 80,
} as const;

/** A frame as the header of a binary message describes it. */
export type FrameHeader = Omit<Extract<ServerMessage, { type: "frame" }>, "points"> & { points?: ChunkHead[] };

/** Decodes one binary frame (copies the columns only when the bytes are not 8-byte aligned). */
export function decodeFrame(bytes: ArrayBuffer | ArrayBufferView): Extract<ServerMessage, { type: "frame" }> | null {
  const u8 = bytes instanceof ArrayBuffer ? new Uint8Array(bytes) : new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (u8.length < 4) return null;
  const h = u8[0] | (u8[1] << 8) | (u8[2] << 16) | (u8[3] << 24);
  if (h < 0 || 4 + h > u8.length || (4 + h) % 8 !== 0) return null;
  let header: FrameHeader;
  try {
    header = JSON.parse(new TextDecoder().decode(u8.subarray(4, 4 + h))) as FrameHeader;
  } catch {
    return null;
  }
  if (header?.type !== "frame") return null;
  const body = u8.subarray(4 + h);
  const cols = body.byteOffset % 8 === 0 ? new Float64Array(body.buffer, body.byteOffset, body.byteLength >> 3) : new Float64Array(body.slice().buffer, 0, body.byteLength >> 3);
  const { points: heads, ...rest } = header;
  const frame: Extract<ServerMessage, { type: "frame" }> = rest;
  if (heads) {
    let at = 0;
    frame.points = heads.map(({ n, ...info }) => {
      if (at + 4 * n > cols.length) throw new Error("dashboard frame: columns shorter than its header says");
      const time = new Float64Array(n);
      for (let i = 0; i < n; i++) time[i] = cols[at + 2 * n + i] / 1000;
      const chunk: SeriesChunk = { ...info, step: cols.subarray(at, at + n), batch: cols.subarray(at + n, at + 2 * n), time, y: cols.subarray(at + 3 * n, at + 4 * n) };
      at += 4 * n;
      return chunk;
    });
  }
  return frame;
}
