/**
 * `HookTrace`: records which hooks run during the first N training batches, in order, and what `outputs` the
 * batch-end hooks received. It watches `trainer.hookObservers` (every hook call, module and callbacks alike), so it
 * sees hooks fired inside `manualBackward` and `opt.step()` too. Render it with `table()` (text) or `html()`.
 */
import * as tf from "@tensorflow/tfjs";
import { Callback, overrides } from "../callback";
import type { HookEvent, HookObserver } from "../hook-caller";
import type { LightningModule } from "../module";
import type { Trainer } from "../trainer";

export interface HookTraceOptions {
  /** How many training batches to record (default 2). */
  batches?: number;
  /** Hooks left out of the trace (default: the display-only `onBatchScalars` and `onBatchImages`). */
  ignore?: string[];
}

export interface TracedHook {
  hook: string;
  /** Who implements it: the callbacks that override it, and "module" when the module defines it (may be empty). */
  owners: string[];
}

export interface TracedBatch {
  epoch: number;
  batchIdx: number;
  hooks: TracedHook[];
  /** What the first `onTrainBatchEnd` of this batch received, summarised (e.g. `{loss: Tensor[] float32}`). */
  outputs: string;
  /** `trainer.globalStep` and `trainer.batchesSeen` when `onTrainBatchEnd` ran. */
  globalStep: number;
  batchesSeen: number;
}

/** Hooks that end the batch scope (nothing after them belongs to a training batch). */
const SCOPE_END = /^(onTrainEpoch|onTrainEnd|onValidation|onFit|teardown|onSanity|onException)/;

/** A short description of a value: tensors by shape and dtype, numbers rounded, dicts recursively. */
export function summarizeValue(v: unknown, depth = 0): string {
  if (v === null) return "null";
  if (v === undefined) return "undefined";
  if (v instanceof tf.Tensor) return v.isDisposed ? "Tensor(disposed)" : `Tensor[${v.shape.join(",")}] ${v.dtype}`;
  if (typeof v === "number") return Number.isInteger(v) ? String(v) : v.toPrecision(4);
  if (typeof v === "string") return JSON.stringify(v.length > 20 ? `${v.slice(0, 20)}…` : v);
  if (typeof v === "boolean") return String(v);
  if (Array.isArray(v)) return depth > 1 ? "[…]" : `[${v.slice(0, 4).map((x) => summarizeValue(x, depth + 1)).join(", ")}${v.length > 4 ? ", …" : ""}]`;
  if (typeof v === "object") {
    if (depth > 1) return "{…}";
    const entries = Object.entries(v as Record<string, unknown>);
    if (entries.length === 0) return "{}";
    return `{${entries.map(([k, x]) => `${k}: ${summarizeValue(x, depth + 1)}`).join(", ")}}`;
  }
  return typeof v;
}

function escapeHtml(s: string): string {
  return s.replace(/&/g, "&amp;").replace(/</g, "&lt;").replace(/>/g, "&gt;").replace(/"/g, "&quot;");
}

export class HookTrace extends Callback {
  readonly maxBatches: number;
  readonly ignore: Set<string>;
  readonly batches: TracedBatch[] = [];
  private observer: HookObserver | null = null;
  private trainer: Trainer | null = null;
  private open: TracedBatch | null = null;

  constructor(options: HookTraceOptions = {}) {
    super();
    this.maxBatches = options.batches ?? 2;
    this.ignore = new Set(options.ignore ?? ["onBatchScalars", "onBatchImages"]);
  }

  setup(trainer: Trainer, _module: LightningModule): void {
    this.trainer = trainer;
    this.batches.length = 0;
    this.open = null;
    if (this.observer && trainer.hookObservers.includes(this.observer)) return;
    this.observer = (e) => this.onEvent(e);
    trainer.hookObservers.push(this.observer);
  }

  teardown(trainer: Trainer, _module: LightningModule): void {
    this.open = null;
    const i = this.observer ? trainer.hookObservers.indexOf(this.observer) : -1;
    if (i >= 0) trainer.hookObservers.splice(i, 1);
    this.observer = null;
  }

  private owns(e: HookEvent): boolean {
    if (e.target === "module") return true;
    // Every Callback has every hook (as a no-op); show only the callbacks that override this one.
    const cb = this.trainer?.callbacks.find((c) => c.constructor.name === e.owner);
    return cb ? overrides(cb, e.hook as keyof Callback) : true;
  }

  private onEvent(e: HookEvent): void {
    const t = this.trainer;
    if (!t || this.ignore.has(e.hook)) return;
    if (e.hook === "onTrainBatchStart" && t.training && !t.validating && !t.sanityChecking) {
      const isNew = !this.open || this.open.batchIdx !== t.batchIdx || this.open.epoch !== t.currentEpoch;
      if (isNew) {
        this.open = null;
        if (this.batches.length >= this.maxBatches) return;
        this.open = { epoch: t.currentEpoch, batchIdx: t.batchIdx, hooks: [], outputs: "(onTrainBatchEnd not reached)", globalStep: 0, batchesSeen: 0 };
        this.batches.push(this.open);
      }
    } else if (SCOPE_END.test(e.hook)) {
      this.open = null;
    }
    const b = this.open;
    if (!b) return;
    if (e.hook === "onTrainBatchEnd" && !b.hooks.some((h) => h.hook === "onTrainBatchEnd")) {
      b.outputs = summarizeValue(e.args[0]);
      b.globalStep = t.globalStep;
      b.batchesSeen = t.batchesSeen + 1; // counted after the batch-end hooks
    }
    // Every Callback has every hook (as a no-op), so each hook shows up once even if nobody overrides it; the
    // owners list names only the callbacks that override it, and "module" when the module defines it.
    const owner = !this.owns(e) ? null : e.target === "module" ? "module" : e.owner;
    const last = b.hooks[b.hooks.length - 1];
    if (last && last.hook === e.hook) {
      if (owner && !last.owners.includes(owner)) last.owners.push(owner);
    } else {
      b.hooks.push({ hook: e.hook, owners: owner ? [owner] : [] });
    }
  }

  private hookText(h: TracedHook, withOwners: boolean): string {
    return withOwners && h.owners.length > 0 ? `${h.hook} (${h.owners.join(", ")})` : h.hook;
  }

  /** A plain-text table: one block per batch, hooks in call order, then the outputs the batch-end hook received. */
  table(options: { owners?: boolean } = {}): string {
    const withOwners = options.owners ?? true;
    if (this.batches.length === 0) return "HookTrace: no training batch recorded (did fit() run?)";
    const lines: string[] = [];
    for (const b of this.batches) {
      lines.push(`batch ${b.batchIdx} (epoch ${b.epoch}) → globalStep ${b.globalStep}, batchesSeen ${b.batchesSeen}`);
      b.hooks.forEach((h, i) => lines.push(`  ${String(i + 1).padStart(2)}. ${this.hookText(h, withOwners)}`));
      lines.push(`  outputs: ${b.outputs}`);
    }
    return lines.join("\n");
  }

  /** The same as an HTML table (one column per batch). */
  html(options: { owners?: boolean } = {}): string {
    const withOwners = options.owners ?? true;
    const cell = "border:1px solid #ccc;padding:2px 8px;text-align:left;vertical-align:top;font-family:monospace;font-size:12px";
    const head = this.batches.map((b) => `<th style="${cell}">batch ${b.batchIdx} (epoch ${b.epoch})</th>`).join("");
    const rows = Math.max(0, ...this.batches.map((b) => b.hooks.length));
    const body: string[] = [];
    for (let i = 0; i < rows; i++) {
      body.push(`<tr><td style="${cell}">${i + 1}</td>${this.batches.map((b) => `<td style="${cell}">${b.hooks[i] ? escapeHtml(this.hookText(b.hooks[i], withOwners)) : ""}</td>`).join("")}</tr>`);
    }
    body.push(`<tr><td style="${cell}"><b>outputs</b></td>${this.batches.map((b) => `<td style="${cell}">${escapeHtml(b.outputs)}</td>`).join("")}</tr>`);
    body.push(`<tr><td style="${cell}"><b>globalStep</b></td>${this.batches.map((b) => `<td style="${cell}">${b.globalStep} (batchesSeen ${b.batchesSeen})</td>`).join("")}</tr>`);
    return `<table style="border-collapse:collapse"><tr><th style="${cell}">#</th>${head}</tr>${body.join("")}</table>`;
  }

  /** A display bundle (text/html + text/plain), e.g. for `tslab.display.raw` or a display sink. */
  bundle(options: { owners?: boolean } = {}): Record<string, string> {
    return { "text/html": this.html(options), "text/plain": this.table(options) };
  }
}
