/** Errors with Lightning's names, so users searching Lightning's docs find the same words. */

/** A configuration or API-usage error (Lightning's `MisconfigurationException`). */
export class MisconfigurationError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "MisconfigurationError";
  }
}

/** Thrown when training is stopped by a Jupyter interrupt (Stop button / SIGINT) or `trainer.interrupt()`. */
export class TrainingInterrupted extends Error {
  constructor(message = "training interrupted by the user") {
    super(message);
    this.name = "TrainingInterrupted";
  }
}

/** Lightning's NotImplementedError for removed hooks. */
export class NotImplementedError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "NotImplementedError";
  }
}

/** A short, human description of a value's type for error messages ("number 5", "array of 1", "string \"x\""). */
export function describeValue(value: unknown): string {
  if (value === null) return "null";
  if (value === undefined) return "undefined";
  if (Array.isArray(value)) return `an array (length ${value.length})`;
  if (typeof value === "number") return `a number (${value})`;
  if (typeof value === "string") return `a string (${JSON.stringify(value.length > 40 ? value.slice(0, 40) + "…" : value)})`;
  if (typeof value === "boolean") return `a boolean (${value})`;
  if (typeof value === "function") return "a function";
  if (typeof value === "object") {
    const ctor = (value as object).constructor?.name;
    return ctor && ctor !== "Object" ? `an instance of ${ctor}` : "an object";
  }
  return typeof value;
}

/** Type name as Lightning prints it in `self.log` errors. */
export function typeName(value: unknown): string {
  if (value === null) return "null";
  if (Array.isArray(value)) return "Array";
  if (typeof value === "object") return (value as object).constructor?.name ?? "Object";
  return typeof value;
}
