/** Builds the `{ename, evalue, traceback}` triple Jupyter's `error` message and error `execute_reply` carry. */
import { inspect } from "node:util";
import type { CellOutcome } from "./execution-capture";

export interface ErrorContent {
  ename: string;
  evalue: string;
  traceback: string[];
}

/** Frames inside tslab or this kernel only say "the cell ran"; hide them to keep tracebacks about user code. */
const KERNEL_FRAME = /node_modules[\\/]tslab[\\/]|dist[\\/]kernel[\\/]jupyter[\\/]|\(node:|at node:/;

export function errorFromOutcome(outcome: CellOutcome): ErrorContent {
  if (outcome.diagnostics.length > 0) {
    return {
      ename: "TSError",
      evalue: outcome.diagnostics[0],
      traceback: ["TSError: the cell does not type-check", ...outcome.diagnostics],
    };
  }
  if (outcome.thrown.length > 0) return errorFromThrown(outcome.thrown[0]);
  return { ename: "Error", evalue: "the cell failed", traceback: ["Error: the cell failed"] };
}

export function errorFromThrown(thrown: unknown): ErrorContent {
  if (thrown instanceof Error) {
    const ename = thrown.name || thrown.constructor?.name || "Error";
    const stack = typeof thrown.stack === "string" ? thrown.stack.split("\n") : [`${ename}: ${thrown.message}`];
    // Errors thrown synchronously inside vm carry a "file:line / source / ^" preamble before the message line.
    const start = Math.max(0, stack.findIndex((line) => line.startsWith(ename)));
    return { ename, evalue: thrown.message, traceback: stack.slice(start).filter((line) => !KERNEL_FRAME.test(line)) };
  }
  const text = inspect(thrown);
  return { ename: "Uncaught", evalue: text, traceback: [`Uncaught ${text}`] };
}
