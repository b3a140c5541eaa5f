/**
 * is_complete_request, decided by the TypeScript parser (syntax only, nothing type-level), on a `.ts` file as tslab
 * compiles cells (tslab's own check parses TSX, which mistakes `<T>x` casts for unfinished JSX):
 * - a syntax error exactly at the end that says "… expected." → "incomplete" (the user is still typing);
 * - any other syntax error → "invalid";
 * - otherwise, or when the code ends with a blank line (the user insists), → "complete".
 */
import { tslabTypescript } from "./tslab-internals";

export type IsCompleteReply = { status: "complete" | "invalid" } | { status: "incomplete"; indent: string };

interface ParseDiagnostic {
  start: number;
  length: number;
  messageText: unknown;
}

export function isComplete(code: string): IsCompleteReply {
  if (/(^|\n)\s*\n\s*$/.test(code)) return { status: "complete" };
  const diagnostics = parseDiagnostics(code);
  if (diagnostics.length === 0) return { status: "complete" };
  const unfinished = diagnostics.some(
    (d) => d.start === code.length && d.length === 0 && String(d.messageText).endsWith(" expected."),
  );
  return unfinished ? { status: "incomplete", indent: nextIndent(code) } : { status: "invalid" };
}

function parseDiagnostics(code: string): ParseDiagnostic[] {
  const ts = tslabTypescript();
  const file = ts.createSourceFile("cell.ts", code, ts.ScriptTarget.Latest, false, ts.ScriptKind.TS);
  return (file as unknown as { parseDiagnostics?: ParseDiagnostic[] }).parseDiagnostics ?? [];
}

/** The last line's indentation, one level deeper after an opening bracket. */
function nextIndent(code: string): string {
  const line = code.slice(code.lastIndexOf("\n") + 1);
  const indent = /^\s*/.exec(line)?.[0] ?? "";
  return /[{([]\s*$/.test(line) ? indent + "  " : indent;
}
