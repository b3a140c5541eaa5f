/**
 * The `console` handed to tslab's executor. tslab reports a cell's outcome only through it: the last expression's
 * value via `log(value)`, type errors via `error("%s%d:%d - %s", file, line, col, text)`, and thrown or rejected
 * values via `error(e)`. Capturing them lets the kernel send `execute_result` and `error` messages instead of text.
 */
import { format } from "node:util";
import type { ConsoleInterface } from "./tslab-internals";

const DIAGNOSTIC_FORMAT = "%s%d:%d - %s";

export interface CellOutcome {
  /** Set when the cell ended with an expression whose value is neither null nor undefined. */
  result?: { value: unknown };
  /** TypeScript diagnostics, formatted like tslab prints them ("3:5 - Cannot find name 'x'."). */
  diagnostics: string[];
  /** Values the cell threw or rejected with (tslab's interrupt errors included). */
  thrown: unknown[];
}

export class ExecutionCapture implements ConsoleInterface {
  private outcome: CellOutcome = emptyOutcome();

  /** Starts recording a new cell; returns what the previous one left behind. */
  begin(): void {
    this.outcome = emptyOutcome();
  }

  end(): CellOutcome {
    const done = this.outcome;
    this.outcome = emptyOutcome();
    return done;
  }

  log(value?: unknown): void {
    this.outcome.result = { value };
  }

  error(first?: unknown, ...rest: unknown[]): void {
    if (first === DIAGNOSTIC_FORMAT) this.outcome.diagnostics.push(format(first, ...rest));
    else this.outcome.thrown.push(first);
  }
}

function emptyOutcome(): CellOutcome {
  return { diagnostics: [], thrown: [] };
}
