/**
 * `CSVLogger`: Lightning's CSV logger. Writes `<saveDir>/<name>/version_<N>/metrics.csv` (one row per logMetrics
 * call, a `step` column, columns sorted and grown as new keys appear — the file is rewritten with the union header)
 * and `hparams.yaml`. Rows are buffered and flushed every `flushLogsEveryNSteps` steps (the trainer's default logger
 * uses `logEveryNSteps`), at the end of the run and when it fails or is interrupted.
 */
import * as fs from "node:fs";
import * as path from "node:path";
import type { Logger } from "../logger";
import { hparamsToYaml } from "./hparams-yaml";
import { pyNumber } from "./py-format";

export interface CSVLoggerOptions {
  /** Root directory (Lightning's `save_dir`); default: the current directory. */
  saveDir?: string;
  /** Experiment name, a folder under saveDir (default "lightning_logs"; "" for none). */
  name?: string;
  /** An integer (→ "version_N") or a folder name; default: the next free version_N. */
  version?: number | string;
  /** Prefix for every metric key, joined with "-". */
  prefix?: string;
  /** Write the buffered rows every this many steps (default 100, as in Lightning). */
  flushLogsEveryNSteps?: number;
}

const INT_COLUMNS = new Set(["step", "epoch"]);

export class CSVLogger implements Logger {
  static readonly LOGGER_JOIN_CHAR = "-";
  readonly saveDir: string;
  readonly name: string;
  readonly prefix: string;
  readonly flushLogsEveryNSteps: number;
  /** The hyper-parameters written to hparams.yaml. */
  hparams: Record<string, unknown> = {};
  private versionValue: number | string | undefined;
  private metricsKeys: string[] = [];
  private pending: Record<string, number>[] = [];
  private dirReady = false;

  constructor(options: CSVLoggerOptions = {}) {
    this.saveDir = options.saveDir ?? process.cwd();
    this.name = options.name ?? "lightning_logs";
    this.versionValue = options.version;
    this.prefix = options.prefix ?? "";
    this.flushLogsEveryNSteps = options.flushLogsEveryNSteps ?? 100;
    if (!Number.isInteger(this.flushLogsEveryNSteps) || this.flushLogsEveryNSteps < 1) {
      throw new RangeError(`CSVLogger: flushLogsEveryNSteps must be a positive integer, got ${String(options.flushLogsEveryNSteps)}`);
    }
  }

  /** `<saveDir>/<name>`. */
  get rootDir(): string {
    return path.join(this.saveDir, this.name);
  }

  /** The version: fixed on first use (the next free `version_N` under rootDir), and its folder is created then. */
  get version(): number | string {
    if (this.versionValue === undefined) this.versionValue = nextVersion(this.rootDir);
    if (!this.dirReady) {
      fs.mkdirSync(this.logDirOf(this.versionValue), { recursive: true });
      this.dirReady = true;
    }
    return this.versionValue;
  }

  /** `<saveDir>/<name>/version_<N>`. */
  get logDir(): string {
    return this.logDirOf(this.version);
  }

  get metricsFile(): string {
    return path.join(this.logDir, "metrics.csv");
  }

  get hparamsFile(): string {
    return path.join(this.logDir, "hparams.yaml");
  }

  logHyperparams(params: Record<string, unknown>): void {
    this.hparams = { ...this.hparams, ...toPlain(params) };
  }

  logMetrics(metrics: Record<string, number>, step: number): void {
    const row: Record<string, number> = {};
    for (const [k, v] of Object.entries(metrics)) {
      const key = this.prefix ? `${this.prefix}${CSVLogger.LOGGER_JOIN_CHAR}${k}` : k;
      row[key] = typeof v === "number" ? v : Number(v);
    }
    row.step = step;
    this.pending.push(row);
    if ((step + 1) % this.flushLogsEveryNSteps === 0) this.save();
  }

  /** Writes hparams.yaml and appends the buffered rows (rewriting the file when new columns appeared). */
  save(): void {
    fs.writeFileSync(this.hparamsFile, hparamsToYaml(this.hparams));
    if (this.pending.length === 0) return;
    const file = this.metricsFile;
    const before = this.metricsKeys.length;
    const known = new Set(this.metricsKeys);
    for (const row of this.pending) for (const k of Object.keys(row)) if (!known.has(k)) known.add(k), this.metricsKeys.push(k);
    this.metricsKeys.sort();
    const exists = fs.existsSync(file);
    const lines = this.pending.map((r) => this.line(r));
    if (exists && this.metricsKeys.length !== before) {
      // New columns: rewrite the file under the union header (Lightning's _rewrite_with_new_header).
      const old = readCsv(fs.readFileSync(file, "utf8"));
      const oldLines = old.rows.map((r) => this.metricsKeys.map((k) => csvCell(r[k] ?? "")).join(","));
      fs.writeFileSync(file, [this.metricsKeys.map(csvCell).join(","), ...oldLines, ...lines].join("\n") + "\n");
    } else if (exists) {
      fs.appendFileSync(file, lines.join("\n") + "\n");
    } else {
      fs.writeFileSync(file, [this.metricsKeys.map(csvCell).join(","), ...lines].join("\n") + "\n");
    }
    this.pending = [];
  }

  finalize(_status: "success" | "failed"): void {
    this.save();
  }

  private line(row: Record<string, number>): string {
    return this.metricsKeys.map((k) => (k in row ? csvCell(pyNumber(row[k], INT_COLUMNS.has(k))) : "")).join(",");
  }

  private logDirOf(version: number | string): string {
    return path.join(this.rootDir, typeof version === "string" ? version : `version_${version}`);
  }
}

function nextVersion(root: string): number {
  let names: string[];
  try {
    names = fs.readdirSync(root);
  } catch {
    return 0;
  }
  const versions = names
    .filter((n) => /^version_\d+$/.test(n) && fs.statSync(path.join(root, n)).isDirectory())
    .map((n) => Number(n.slice("version_".length)));
  return versions.length === 0 ? 0 : Math.max(...versions) + 1;
}

function csvCell(s: string): string {
  return /[",\n\r]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** Parses CSV written by this logger (quoted cells allowed). */
export function readCsv(text: string): { header: string[]; rows: Record<string, string>[] } {
  const records: string[][] = [];
  let cell = "";
  let row: string[] = [];
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') cell += '"', i++;
      else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ",") row.push(cell), (cell = "");
    else if (c === "\n") row.push(cell), records.push(row), (row = []), (cell = "");
    else if (c !== "\r") cell += c;
  }
  if (cell !== "" || row.length > 0) row.push(cell), records.push(row);
  const [header = [], ...body] = records;
  return { header, rows: body.map((r) => Object.fromEntries(header.map((h, i) => [h, r[i] ?? ""]))) };
}

/** hparams as plain data (drops functions, tensors become their shape). */
function toPlain(v: Record<string, unknown>): Record<string, unknown> {
  return JSON.parse(JSON.stringify(v, (_k, val) => (typeof val === "function" ? undefined : val?.constructor?.name === "Tensor" ? `Tensor[${val.shape}]` : val)));
}
