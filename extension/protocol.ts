/**
 * The dashboard's wire protocol (JSON text messages over one WebSocket). Shared by the kernel's server
 * (`kernel/stream`, types only) and the browser client. Bump `protocolVersion` on incompatible changes.
 */
export const protocolVersion = 1;

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
export interface SeriesChunk {
  run: string;
  /** Metric name, e.g. `batchMetrics/dLoss`. */
  key: string;
  /** Panel the metric belongs to (the prefix before `/`, stage decorations stripped). */
  group: string;
  /** True: replace what the client holds for this series (the kernel compacted it). */
  reset?: boolean;
  /** True: the kernel thinned these points (the client was behind or connected late). */
  decimated?: boolean;
  step: number[];
  batch: number[];
  /** Seconds since the run started. */
  time: number[];
  y: WireY[];
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
