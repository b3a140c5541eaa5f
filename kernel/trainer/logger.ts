/** The logger interface the trainer sends metrics to (CSVLogger and user loggers implement it). */
export interface Logger {
  readonly name?: string;
  readonly version?: string | number;
  /** Directory where this logger writes (used by checkpoints as their default location). */
  readonly logDir?: string;
  logMetrics(metrics: Record<string, number>, step: number): void | Promise<void>;
  logHyperparams?(params: Record<string, unknown>): void | Promise<void>;
  /** Persist what is buffered. */
  save?(): void | Promise<void>;
  /** "success" at the end of a run, "failed" after an error or interrupt. */
  finalize?(status: "success" | "failed"): void | Promise<void>;
}
