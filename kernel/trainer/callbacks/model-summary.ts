/**
 * `ModelSummary`: the table Lightning prints at fit start — one row per parameter-holding property of the module
 * (and, with `maxDepth` > 1, per layer of each model), with type, output shape and parameter counts, then the
 * trainable / non-trainable / total counts and the estimated size. `summarize(module)` returns the rows for displays.
 */
import * as tf from "@tensorflow/tfjs";
import { Callback } from "../callback";
import { LightningModule } from "../module";
import type { Trainer } from "../trainer";
import { collectVariables } from "../optim/parameters";

export interface SummaryRow {
  /** Row number as printed. */
  index: number;
  /** Dotted path: "generator", "generator.dense_Dense1". */
  name: string;
  type: string;
  /** e.g. "[null, 16]"; "?" when unknown (layer not built). */
  outputShape: string;
  params: number;
  trainableParams: number;
  depth: number;
}

export interface ModelSummaryData {
  rows: SummaryRow[];
  trainableParams: number;
  nonTrainableParams: number;
  totalParams: number;
  /** float32 bytes of all parameters, in MB. */
  sizeMB: number;
}

function count(vars: tf.Variable[]): { total: number; trainable: number } {
  let total = 0;
  let trainable = 0;
  for (const v of vars) {
    total += v.size;
    if (v.trainable) trainable += v.size;
  }
  return { total, trainable };
}

function layerVariables(layer: tf.layers.Layer): tf.Variable[] {
  return layer.weights.map((w) => w.read() as tf.Variable);
}

function outputShapeOf(v: unknown): string {
  try {
    if (v instanceof tf.layers.Layer) {
      const s = v.outputShape;
      return JSON.stringify(s).replace(/,/g, ", ");
    }
    if (v instanceof tf.Variable) return `[${v.shape.join(", ")}]`;
  } catch {
    /* not built yet */
  }
  return "?";
}

/** The summary rows and totals of `module` (`maxDepth` 1: its properties; 2: also the layers inside models). */
export function summarize(module: LightningModule, maxDepth = 1): ModelSummaryData {
  const rows: SummaryRow[] = [];
  const add = (name: string, value: unknown, depth: number) => {
    const vars = value instanceof LightningModule ? value.allVariables() : collectVariables(value);
    const c = count(vars);
    rows.push({ index: rows.length, name, type: value?.constructor?.name ?? typeof value, outputShape: outputShapeOf(value), params: c.total, trainableParams: c.trainable, depth });
    if (depth < maxDepth) {
      if (value instanceof tf.LayersModel) value.layers.forEach((l) => addLayer(`${name}.${l.name}`, l, depth + 1));
      else if (value instanceof LightningModule) for (const [k, v] of value._paramProperties()) add(`${name}.${k}`, v, depth + 1);
    }
  };
  const addLayer = (name: string, layer: tf.layers.Layer, depth: number) => {
    const c = count(layerVariables(layer));
    rows.push({ index: rows.length, name, type: layer.getClassName(), outputShape: outputShapeOf(layer), params: c.total, trainableParams: c.trainable, depth });
    if (depth < maxDepth && layer instanceof tf.LayersModel) layer.layers.forEach((l) => addLayer(`${name}.${l.name}`, l, depth + 1));
  };
  if (maxDepth > 0) for (const [k, v] of module._paramProperties()) add(k, v, 1);
  const all = count(module.allVariables());
  return {
    rows,
    trainableParams: all.trainable,
    nonTrainableParams: all.total - all.trainable,
    totalParams: all.total,
    sizeMB: (all.total * 4) / 1e6,
  };
}

/** Lightning's `get_human_readable_count`: 1234 → "1.2 K". */
export function humanCount(n: number): string {
  const labels = ["", "K", "M", "B", "T"];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < labels.length - 1) {
    v /= 1000;
    i++;
  }
  if (i === 0) return `${Math.trunc(n)}`;
  return `${v.toFixed(1)} ${labels[i]}`;
}

/** The text table. */
export function formatSummary(data: ModelSummaryData): string {
  const header = ["", "Name", "Type", "Params", "Out sizes"];
  const body = data.rows.map((r) => [String(r.index), r.name, r.type, humanCount(r.params), r.outputShape]);
  const widths = header.map((h, i) => Math.max(h.length, ...body.map((b) => b[i].length)));
  const fmt = (cells: string[]) => cells.map((c, i) => ` ${c.padEnd(widths[i])} `).join("|").trimEnd();
  const head = fmt(header);
  const rule = "-".repeat(head.length);
  const totals = [
    [humanCount(data.trainableParams), "Trainable params"],
    [humanCount(data.nonTrainableParams), "Non-trainable params"],
    [humanCount(data.totalParams), "Total params"],
    [data.sizeMB.toFixed(3), "Total estimated model params size (MB)"],
  ].map(([a, b]) => `${a.padEnd(10)}${b}`);
  return [head, rule, ...body.map(fmt), rule, ...totals].join("\n");
}

export class ModelSummary extends Callback {
  readonly maxDepth: number;
  /** The last summary (set at fit start). */
  summary: ModelSummaryData | null = null;
  private readonly print: (text: string) => void;

  constructor(options: { maxDepth?: number; print?: (text: string) => void } = {}) {
    super();
    this.maxDepth = options.maxDepth ?? 1;
    this.print = options.print ?? ((t) => console.log(t));
  }

  override onFitStart(_trainer: Trainer, module: LightningModule): void {
    if (this.maxDepth === 0) return;
    this.summary = summarize(module, this.maxDepth);
    this.print(formatSummary(this.summary));
  }
}
