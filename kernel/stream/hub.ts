/**
 * The dashboard's data: every run's metrics at full resolution (bounded per series and in run count), and what
 * each connected client has already received. A flush (≤ 30 per second, driven by the server) builds one frame
 * per client: clients that keep up share one serialized chunk of new points; a client whose socket is backed up
 * (`bufferedAmount` above the cap) is skipped and later catches up from the store — thinned when far behind —
 * so the kernel never queues frames per client. A late client starts "behind on everything" and catches up run
 * by run, which is the history. Knows nothing about sockets (see `ClientSink`), so it is tested directly.
 */
import type { ImageMsg, RunMeta, SeriesChunk, WireY } from "../../extension/protocol";
import { Series, thinIndices } from "./series";

/** What the hub needs from a connection: `ws.WebSocket` fits. */
export interface ClientSink {
  send(data: string): void;
  readonly bufferedAmount: number;
}

export interface HubOptions {
  /** Full-resolution points kept per series before it compacts to half (default 200 000). */
  maxPointsPerSeries?: number;
  /** Runs kept; the oldest finished run is dropped beyond this (default 64). */
  maxRuns?: number;
  /** Metrics per run (default 256); further keys are ignored. */
  maxSeriesPerRun?: number;
  /** Catch-up and history are thinned to 2× this many points per series (default 1500). */
  historyBuckets?: number;
  /** A client whose socket holds more than this many unsent bytes gets no frame (default 1 MiB). */
  maxBufferedBytes?: number;
  /** Largest catch-up message, roughly (default 512 KiB); the rest follows in later flushes. */
  maxCatchUpBytes?: number;
}

export interface ClientStats {
  framesSent: number;
  framesSkipped: number;
  bytesSent: number;
  /** Largest message sent, bytes (`bufferedAmount` stays below `maxBufferedBytes` + this). */
  maxFrameBytes: number;
  /** Highest `bufferedAmount` seen before a send decision. */
  maxBufferedSeen: number;
  /** True when the client holds everything the kernel has (up to the last flush). */
  synced: boolean;
}

interface Mark {
  gen: number;
  n: number;
}

export class RunState {
  readonly series = new Map<string, Series>();
  metaVersion = 1;
  image: { msg: ImageMsg; version: number } | null = null;
  /** Keys that arrived per batch (epoch-end metrics with these names are not appended twice). */
  readonly batchKeys = new Set<string>();
  warnedSeriesCap = false;
  constructor(public meta: RunMeta) {}
}

class ClientState {
  /** null: holds exactly what `Hub.live` describes (receives the shared chunk). */
  marks: Map<number, Mark> | null = new Map();
  readonly metaSeen = new Map<string, number>();
  readonly imageSeen = new Map<string, number>();
  readonly stats: ClientStats = { framesSent: 0, framesSkipped: 0, bytesSent: 0, maxFrameBytes: 0, maxBufferedSeen: 0, synced: false };
  constructor(readonly sink: ClientSink) {}
}

export class Hub {
  readonly runs = new Map<string, RunState>();
  readonly options: Required<HubOptions>;
  /** Called when there is something to flush (the server schedules one). */
  onDirty: () => void = () => {};
  private readonly clients = new Map<ClientSink, ClientState>();
  private readonly dirty = new Set<Series>();
  /** What synced clients hold, per series id. */
  private readonly live = new Map<number, Mark>();
  private nextSeriesId = 1;
  private nextRunId = 1;
  private metaDirty = false;

  constructor(options: HubOptions = {}) {
    this.options = {
      maxPointsPerSeries: options.maxPointsPerSeries ?? 200_000,
      maxRuns: options.maxRuns ?? 64,
      maxSeriesPerRun: options.maxSeriesPerRun ?? 256,
      historyBuckets: options.historyBuckets ?? 1500,
      maxBufferedBytes: options.maxBufferedBytes ?? 1 << 20,
      maxCatchUpBytes: options.maxCatchUpBytes ?? 512 * 1024,
    };
  }

  // ---- producers (the callback) ----

  startRun(meta: Omit<RunMeta, "id">): RunState {
    const run = new RunState({ ...meta, id: `r${this.nextRunId++}` });
    this.runs.set(run.meta.id, run);
    this.evictRuns();
    this.touchMeta(run);
    return run;
  }

  /** Appends one batch's values (hot path: one Map lookup and four stores per value). */
  append(run: RunState, step: number, batch: number, timeMs: number, values: Record<string, number>, perBatch = true): void {
    for (const key in values) {
      const s = run.series.get(key) ?? this.addSeries(run, key);
      if (!s) continue;
      s.push(step, batch, timeMs, values[key]);
      this.dirty.add(s);
      if (perBatch) run.batchKeys.add(key);
    }
    this.onDirty();
  }

  /** Appends one value (no allocation); call `touch()` once after a batch's values. */
  push(run: RunState, key: string, step: number, batch: number, timeMs: number, y: number): void {
    const s = run.series.get(key) ?? this.addSeries(run, key);
    if (!s) return;
    s.push(step, batch, timeMs, y);
    this.dirty.add(s);
    run.batchKeys.add(key);
  }

  /** Signals new data (the server schedules a frame). */
  touch(): void {
    this.onDirty();
  }

  /** The last value appended to a series, or undefined. */
  last(run: RunState, key: string): { step: number; y: number } | undefined {
    const s = run.series.get(key);
    return s && s.length > 0 ? { step: s.step[s.length - 1], y: s.y[s.length - 1] } : undefined;
  }

  setImage(run: RunState, msg: ImageMsg): void {
    run.image = { msg, version: (run.image?.version ?? 0) + 1 };
    this.metaDirty = true;
    this.onDirty();
  }

  updateRun(run: RunState, patch: Partial<Omit<RunMeta, "id">>): void {
    Object.assign(run.meta, patch);
    this.touchMeta(run);
  }

  /** Forgets every run (clients drop them at the next flush). */
  clear(): void {
    for (const run of [...this.runs.values()]) this.removeRun(run);
    this.metaDirty = true;
    this.onDirty();
  }

  // ---- consumers (the server) ----

  addClient(sink: ClientSink): ClientStats {
    const c = new ClientState(sink);
    this.clients.set(sink, c);
    this.metaDirty = true;
    this.onDirty();
    return c.stats;
  }

  removeClient(sink: ClientSink): void {
    this.clients.delete(sink);
  }

  get clientCount(): number {
    return this.clients.size;
  }

  clientStats(): ClientStats[] {
    return [...this.clients.values()].map((c) => c.stats);
  }

  /** True when new points, runs or images wait for the next flush. */
  get pendingData(): boolean {
    return this.dirty.size > 0 || this.metaDirty;
  }

  /** True while a flush would send something (new data, or a client still catching up). */
  get pending(): boolean {
    if (this.pendingData) return true;
    for (const c of this.clients.values()) if (c.marks !== null) return true;
    return false;
  }

  /** Bytes held by the metric store. */
  get storeBytes(): number {
    let b = 0;
    for (const run of this.runs.values()) for (const s of run.series.values()) b += s.bytes;
    return b;
  }

  /** Sends at most one frame to every client. */
  flush(): void {
    const cap = this.options.maxBufferedBytes;
    let shared: string | null = null;
    const sharedPoints = () => (shared ??= this.sharedChunks());
    for (const c of this.clients.values()) {
      const buffered = c.sink.bufferedAmount;
      if (buffered > c.stats.maxBufferedSeen) c.stats.maxBufferedSeen = buffered;
      if (buffered > cap) {
        if (c.marks === null) c.marks = new Map(this.live); // falls behind: remember what it holds
        c.stats.framesSkipped++;
        c.stats.synced = false;
        continue;
      }
      const parts: string[] = [];
      const runs = this.changedMeta(c);
      if (runs.metas.length) parts.push(`"runs":${JSON.stringify(runs.metas)}`);
      if (runs.removed.length) parts.push(`"removed":${JSON.stringify(runs.removed)}`);
      if (c.marks === null) {
        const pts = sharedPoints();
        if (pts !== "[]") parts.push(`"points":${pts}`);
      } else {
        const { json, done } = this.catchUp(c);
        if (json !== "[]") parts.push(`"points":${json}`);
        if (done) {
          c.marks = null;
          parts.push(`"caughtUp":true`);
        }
      }
      c.stats.synced = c.marks === null;
      if (buffered < cap / 2) {
        const imgs = this.changedImages(c);
        if (imgs.length) parts.push(`"images":${JSON.stringify(imgs)}`);
      }
      if (parts.length === 0) continue;
      const msg = `{"type":"frame",${parts.join(",")}}`;
      c.sink.send(msg);
      c.stats.framesSent++;
      c.stats.bytesSent += msg.length;
      if (msg.length > c.stats.maxFrameBytes) c.stats.maxFrameBytes = msg.length;
    }
    for (const s of this.dirty) this.live.set(s.id, { gen: s.generation, n: s.length });
    this.dirty.clear();
    this.metaDirty = false;
  }

  // ---- internals ----

  private addSeries(run: RunState, key: string): Series | undefined {
    if (run.series.size >= this.options.maxSeriesPerRun) {
      if (!run.warnedSeriesCap) console.warn(`dashboard: run "${run.meta.name}" has more than ${this.options.maxSeriesPerRun} metrics; "${key}" and later ones are not shown.`);
      run.warnedSeriesCap = true;
      return undefined;
    }
    const s = new Series(this.nextSeriesId++, run.meta.id, key, groupOf(key), this.options.maxPointsPerSeries);
    run.series.set(key, s);
    return s;
  }

  private touchMeta(run: RunState): void {
    run.metaVersion++;
    this.metaDirty = true;
    this.onDirty();
  }

  private evictRuns(): void {
    for (const run of this.runs.values()) {
      if (this.runs.size <= this.options.maxRuns) return;
      if (run.meta.status !== "running") this.removeRun(run);
    }
  }

  private removeRun(run: RunState): void {
    this.runs.delete(run.meta.id);
    for (const s of run.series.values()) {
      this.dirty.delete(s);
      this.live.delete(s.id);
      for (const c of this.clients.values()) c.marks?.delete(s.id);
    }
  }

  private changedMeta(c: ClientState): { metas: RunMeta[]; removed: string[] } {
    const metas: RunMeta[] = [];
    for (const run of this.runs.values()) {
      if ((c.metaSeen.get(run.meta.id) ?? 0) < run.metaVersion) {
        metas.push(run.meta);
        c.metaSeen.set(run.meta.id, run.metaVersion);
      }
    }
    const removed: string[] = [];
    for (const id of c.metaSeen.keys()) {
      if (!this.runs.has(id)) {
        removed.push(id);
        c.metaSeen.delete(id);
        c.imageSeen.delete(id);
      }
    }
    return { metas, removed };
  }

  private changedImages(c: ClientState): ImageMsg[] {
    const out: ImageMsg[] = [];
    for (const run of this.runs.values()) {
      if (run.image && (c.imageSeen.get(run.meta.id) ?? 0) < run.image.version) {
        out.push(run.image.msg);
        c.imageSeen.set(run.meta.id, run.image.version);
      }
    }
    return out;
  }

  /** New points of every dirty series since the last flush, serialized once for all synced clients. */
  private sharedChunks(): string {
    const chunks: string[] = [];
    for (const s of this.dirty) {
      const m = this.live.get(s.id);
      const reset = m !== undefined && m.gen !== s.generation;
      chunks.push(chunkJson(s, reset || !m ? 0 : m.n, reset, this.options.historyBuckets));
    }
    return `[${chunks.join(",")}]`;
  }

  /** Brings a client towards the store's current state, run by run, within the catch-up byte budget. */
  private catchUp(c: ClientState): { json: string; done: boolean } {
    const marks = c.marks!;
    const chunks: string[] = [];
    let bytes = 0;
    for (const run of this.runs.values()) {
      if (bytes > this.options.maxCatchUpBytes) return { json: `[${chunks.join(",")}]`, done: false };
      for (const s of run.series.values()) {
        const m = marks.get(s.id);
        const reset = m !== undefined && m.gen !== s.generation;
        const from = reset || !m ? 0 : m.n;
        if (from >= s.length && !reset) continue;
        const json = chunkJson(s, from, reset, this.options.historyBuckets);
        chunks.push(json);
        bytes += json.length;
        marks.set(s.id, { gen: s.generation, n: s.length });
      }
    }
    return { json: `[${chunks.join(",")}]`, done: true };
  }
}

function wireY(v: number): WireY {
  return Number.isFinite(v) ? v : Number.isNaN(v) ? "NaN" : v > 0 ? "Inf" : "-Inf";
}

/** Points [from, length) of `s` as a `SeriesChunk` JSON object, thinned when there are many. */
function chunkJson(s: Series, from: number, reset: boolean, buckets: number): string {
  const head = `{"run":${JSON.stringify(s.runId)},"key":${JSON.stringify(s.key)},"group":${JSON.stringify(s.group)}${reset ? ',"reset":true' : ""}`;
  const n = s.length - from;
  if (n <= 2 * buckets) {
    // The common live case: typed-array joins (a finite number prints the same in JSON and in join).
    const y = s.y.subarray(from, s.length);
    const yJson = y.every(Number.isFinite) ? y.join(",") : Array.from(y, (v) => JSON.stringify(wireY(v))).join(",");
    const time = Array.from(s.time.subarray(from, s.length), (t) => Math.round(t) / 1000).join(",");
    return `${head},"step":[${s.step.subarray(from, s.length).join(",")}],"batch":[${s.batch.subarray(from, s.length).join(",")}],"time":[${time}],"y":[${yJson}]}`;
  }
  const idx = thinIndices(s.y, from, s.length, buckets);
  const chunk: Omit<SeriesChunk, "run" | "key" | "group"> = {
    step: idx.map((i) => s.step[i]),
    batch: idx.map((i) => s.batch[i]),
    time: idx.map((i) => Math.round(s.time[i]) / 1000),
    y: idx.map((i) => wireY(s.y[i])),
    decimated: true,
  };
  return `${head},${JSON.stringify(chunk).slice(1)}`;
}

/** The panel of a metric: the part before the first `/`, else the whole name. */
export function groupOf(key: string): string {
  const slash = key.indexOf("/");
  return slash > 0 ? key.slice(0, slash) : key;
}
