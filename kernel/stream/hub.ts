/**
 * The dashboard's data: every run's metrics at full resolution (bounded per series and in run count), and what
 * each connected client has already received. A flush (≤ 30 per second, driven by the server) sends at most one
 * binary frame per client (see `extension/protocol.ts`): clients that keep up get the very same encoded bytes
 * (one encoding per distinct header, normally one per flush); a client whose socket is backed up
 * (`bufferedAmount` above the cap) is skipped and later catches up from the store — thinned when far behind —
 * so the kernel never queues frames per client. A late client starts "behind on everything" and catches up run
 * by run, which is the history. Knows nothing about sockets (see `ClientSink`), so it is tested directly.
 */
import type { ImageMsg, RunMeta } from "../../extension/protocol";
import { Series, thinIndices } from "./series";

/** What the hub needs from a connection: `ws.WebSocket` fits. */
export interface ClientSink {
  /** One binary message (a `ws` socket sends a Buffer as a binary frame without copying it). */
  send(data: Buffer): void;
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
  /** Series with points since the last flush (each once: `Series.dirty`); an array keeps its capacity across flushes. */
  private readonly dirty: Series[] = [];
  /** What synced clients hold, per series id. */
  private readonly live = new Map<number, Mark>();
  /** Batches appended so far (the server derives the batch rate from it to pick the frame interval). */
  batches = 0;
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
      this.pushTo(s, step, batch, timeMs, values[key]);
      if (perBatch) run.batchKeys.add(key);
    }
    if (perBatch) this.batches++;
    this.onDirty();
  }

  /** Appends one value (no allocation); call `touch()` once after a batch's values. */
  push(run: RunState, key: string, step: number, batch: number, timeMs: number, y: number): void {
    const s = this.seriesFor(run, key);
    if (s) this.pushTo(s, step, batch, timeMs, y);
  }

  /** The series of a per-batch metric (created on first use; undefined past `maxSeriesPerRun`). Callers may keep it. */
  seriesFor(run: RunState, key: string): Series | undefined {
    const s = run.series.get(key) ?? this.addSeries(run, key);
    if (s) run.batchKeys.add(key);
    return s;
  }

  /** The hot path: one value into a series from `seriesFor` (four stores; no allocation between growths). */
  pushTo(s: Series, step: number, batch: number, timeMs: number, y: number): void {
    s.push(step, batch, timeMs, y);
    if (!s.dirty) {
      s.dirty = true;
      this.dirty.push(s);
    }
  }

  /** Signals that a batch's values are in (the server schedules a frame). */
  touch(): void {
    this.batches++;
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
    return this.dirty.length > 0 || this.metaDirty;
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
    let shared: Chunks | null = null;
    /** Encoded frames of this flush by header: clients that keep up and saw the same metadata share the bytes. */
    let encoded: Map<string, Buffer> | null = null;
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
      let chunks: Chunks;
      if (c.marks === null) {
        chunks = shared ??= this.sharedChunks();
      } else {
        chunks = this.catchUp(c);
        if (chunks.done) c.marks = null;
      }
      if (chunks.plans.length) parts.push(`"points":[${chunks.heads.join(",")}]`);
      if (c.marks === null && chunks !== shared) parts.push(`"caughtUp":true`);
      c.stats.synced = c.marks === null;
      if (buffered < cap / 2) {
        const imgs = this.changedImages(c);
        if (imgs.length) parts.push(`"images":${JSON.stringify(imgs)}`);
      }
      if (parts.length === 0) continue;
      const header = `{"type":"frame",${parts.join(",")}}`;
      let msg = chunks === shared ? encoded?.get(header) : undefined;
      if (!msg) {
        msg = encodeFrame(header, chunks);
        if (chunks === shared) (encoded ??= new Map()).set(header, msg);
      }
      c.sink.send(msg);
      c.stats.framesSent++;
      c.stats.bytesSent += msg.length;
      if (msg.length > c.stats.maxFrameBytes) c.stats.maxFrameBytes = msg.length;
    }
    for (const s of this.dirty) {
      s.dirty = false;
      this.live.set(s.id, { gen: s.generation, n: s.length });
    }
    this.dirty.length = 0;
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
      if (s.dirty) this.dirty.splice(this.dirty.indexOf(s), 1);
      s.dirty = false;
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

  /** New points of every dirty series since the last flush, planned once for all synced clients. */
  private sharedChunks(): Chunks {
    const out: Chunks = { plans: [], heads: [], points: 0, bytes: 0, done: true };
    for (const s of this.dirty) {
      if (!this.runs.has(s.runId)) continue;
      const m = this.live.get(s.id);
      const reset = m !== undefined && m.gen !== s.generation;
      addChunk(out, s, reset || !m ? 0 : m.n, reset, this.options.historyBuckets);
    }
    return out;
  }

  /** Brings a client towards the store's current state, run by run, within the catch-up byte budget. */
  private catchUp(c: ClientState): Chunks {
    const marks = c.marks!;
    const out: Chunks = { plans: [], heads: [], points: 0, bytes: 0, done: false };
    for (const run of this.runs.values()) {
      if (out.bytes > this.options.maxCatchUpBytes) return out;
      for (const s of run.series.values()) {
        const m = marks.get(s.id);
        const reset = m !== undefined && m.gen !== s.generation;
        const from = reset || !m ? 0 : m.n;
        if (from >= s.length && !reset) continue;
        addChunk(out, s, from, reset, this.options.historyBuckets);
        marks.set(s.id, { gen: s.generation, n: s.length });
      }
    }
    out.done = true;
    return out;
  }
}

/** Points [from, length) of a series to send: all of them, or min/max-thinned indices when there are many. */
interface Plan {
  s: Series;
  from: number;
  /** Thinned indices, or null for every point of [from, length). */
  idx: number[] | null;
  n: number;
}

interface Chunks {
  plans: Plan[];
  /** Each plan's `ChunkHead` JSON. */
  heads: string[];
  points: number;
  /** Rough encoded size. */
  bytes: number;
  /** Catch-up only: the client now holds everything. */
  done: boolean;
}

function addChunk(out: Chunks, s: Series, from: number, reset: boolean, buckets: number): void {
  const count = s.length - from;
  const idx = count > 2 * buckets ? thinIndices(s.y, from, s.length, buckets) : null;
  const n = idx ? idx.length : count;
  const head = `${s.headJson},"n":${n}${reset ? ',"reset":true' : ""}${idx ? ',"decimated":true' : ""}}`;
  out.plans.push({ s, from, idx, n });
  out.heads.push(head);
  out.points += n;
  out.bytes += head.length + 32 * n;
}

/** One binary frame: length-prefixed JSON header padded to 8 bytes, then four float64 columns per chunk. */
function encodeFrame(header: string, chunks: Chunks): Buffer {
  const hBytes = Buffer.byteLength(header);
  const padded = ((4 + hBytes + 7) & ~7) - 4;
  const size = 4 + padded + 32 * chunks.points;
  const buf = Buffer.allocUnsafeSlow(size); // its own ArrayBuffer at offset 0: the columns are 8-byte aligned
  buf.writeUInt32LE(padded, 0);
  buf.write(header, 4, "utf8");
  buf.fill(0x20, 4 + hBytes, 4 + padded);
  const cols = new Float64Array(buf.buffer, buf.byteOffset + 4 + padded, 4 * chunks.points);
  let at = 0;
  for (const { s, from, idx, n } of chunks.plans) {
    if (idx === null) {
      const to = from + n;
      cols.set(s.step.subarray(from, to), at);
      cols.set(s.batch.subarray(from, to), at + n);
      cols.set(s.time.subarray(from, to), at + 2 * n);
      cols.set(s.y.subarray(from, to), at + 3 * n);
    } else {
      for (let k = 0; k < n; k++) {
        const i = idx[k];
        cols[at + k] = s.step[i];
        cols[at + n + k] = s.batch[i];
        cols[at + 2 * n + k] = s.time[i];
        cols[at + 3 * n + k] = s.y[i];
      }
    }
    at += 4 * n;
  }
  return buf;
}

/** The panel of a metric: the part before the first `/`, else the whole name. */
export function groupOf(key: string): string {
  const slash = key.indexOf("/");
  return slash > 0 ? key.slice(0, slash) : key;
}
