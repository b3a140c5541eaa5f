// Dawn reports why it found no adapter only as native warnings on stderr (fd 2), which Node cannot capture
// in-process. When requestAdapter() comes back null, we ask the same question in a short-lived child
// process with the same environment and keep the lines Dawn printed.
import { spawnSync } from "node:child_process";

/** Dawn lines that are printed on every healthy start and explain nothing. */
const HARMLESS = [
  /artificially reduced/i,
  /XDG_RUNTIME_DIR is invalid or not set/i,
  /The performance of synchronously reading/i,
];

/**
 * Picks Dawn's own warnings out of its stderr and joins them into one line.
 * Keeps `Warning: ...` / `error: ...` lines (without the prefix), drops Dawn's source-location lines
 * (` - While ...`, `    at ...`) and the harmless start-up notes.
 */
export function dawnWarningsToLine(stderr: string, maxLength = 400): string | undefined {
  const kept: string[] = [];
  for (const raw of stderr.split(/\r?\n/)) {
    const line = raw.trim();
    const m = /^(?:warning|error):\s*(.+)$/i.exec(line);
    if (!m) continue;
    if (HARMLESS.some((re) => re.test(line))) continue;
    if (!kept.includes(m[1])) kept.push(m[1]);
  }
  if (kept.length === 0) return undefined;
  const joined = kept.join("; ");
  return joined.length > maxLength ? `${joined.slice(0, maxLength - 3)}...` : joined;
}

/** First line of an error, e.g. the dynamic loader's "version `GLIBC_2.34' not found (required by .../dawn.node)". */
export function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split(/\r?\n/).find((l) => l.trim() !== "")?.trim() ?? text;
}

/**
 * Runs `create(flags).requestAdapter()` in a child node process (same env) and returns Dawn's warnings as one
 * line, or undefined when the child printed none. `webgpuEntry` is the absolute path of the `webgpu` package's
 * entry file.
 */
export function diagnoseNoAdapter(webgpuEntry: string, flags: string[], timeoutMs = 60_000): string | undefined {
  const script = `
    const { pathToFileURL } = require("node:url");
    import(pathToFileURL(${JSON.stringify(webgpuEntry)}).href).then(async (m) => {
      Object.assign(globalThis, m.globals);
      const gpu = m.create(${JSON.stringify(flags)});
      const a = await gpu.requestAdapter({ powerPreference: "high-performance" });
      process.stdout.write(a ? "adapter" : "null");
    }).catch((e) => { process.stderr.write("error: " + (e && e.message ? e.message : String(e)) + "\\n"); });`;
  const r = spawnSync(process.execPath, ["-e", script], { env: process.env, encoding: "utf8", timeout: timeoutMs });
  if (r.error) return `diagnostic child process failed: ${firstLine(r.error)}`;
  return dawnWarningsToLine(r.stderr ?? "");
}
