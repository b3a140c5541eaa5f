/**
 * `hparams.yaml` as Lightning writes it (PyYAML's `yaml.dump`: block style, keys sorted, "{}" when empty), and a
 * reader for what this writer produces (scalars, nested maps, lists) so hparams can be loaded back.
 */
import { pyFloatRepr } from "./py-format";

const PLAIN = /^[A-Za-z_./][A-Za-z0-9_ ./-]*$/;
const RESERVED = /^(true|false|yes|no|on|off|null|~)$/i;

function scalar(v: unknown): string {
  if (v === null || v === undefined) return "null";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (typeof v === "number") {
    if (Number.isInteger(v) && Math.abs(v) < 1e16) return String(v);
    if (Number.isNaN(v)) return ".nan";
    if (!Number.isFinite(v)) return v > 0 ? ".inf" : "-.inf";
    const r = pyFloatRepr(v);
    // PyYAML: "1e-05" → "1.0e-05" so it still reads as a float.
    return !r.includes(".") && r.includes("e") ? r.replace("e", ".0e") : r;
  }
  const s = String(v);
  if (s === "") return "''";
  if (PLAIN.test(s) && !RESERVED.test(s) && !/\s$/.test(s) && !/: /.test(s)) return s;
  return `'${s.replace(/'/g, "''")}'`;
}

function isMap(v: unknown): v is Record<string, unknown> {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

function emit(v: unknown, indent: string, out: string[]): void {
  if (isMap(v)) {
    for (const k of Object.keys(v).sort()) {
      const val = v[k];
      if (typeof val === "function" || val === undefined) continue;
      const key = scalar(k);
      if ((isMap(val) && Object.keys(val).length > 0) || (Array.isArray(val) && val.length > 0)) {
        out.push(`${indent}${key}:`);
        emit(val, isMap(val) ? indent + "  " : indent, out);
      } else {
        out.push(`${indent}${key}: ${isMap(val) ? "{}" : Array.isArray(val) ? "[]" : scalar(val)}`);
      }
    }
    return;
  }
  if (Array.isArray(v)) {
    for (const item of v) {
      if ((isMap(item) && Object.keys(item).length > 0) || (Array.isArray(item) && item.length > 0)) {
        const sub: string[] = [];
        emit(item, indent + "  ", sub);
        out.push(`${indent}- ${sub[0].trimStart()}`, ...sub.slice(1));
      } else {
        out.push(`${indent}- ${isMap(item) ? "{}" : Array.isArray(item) ? "[]" : scalar(item)}`);
      }
    }
  }
}

/** PyYAML-style block YAML of `hparams` (non-JSON values such as functions are skipped). */
export function hparamsToYaml(hparams: Record<string, unknown>): string {
  const out: string[] = [];
  emit(hparams, "", out);
  return out.length === 0 ? "{}\n" : out.join("\n") + "\n";
}

function parseScalar(s: string): unknown {
  const t = s.trim();
  if (t === "null" || t === "~" || t === "") return null;
  if (t === "true") return true;
  if (t === "false") return false;
  if (t === "{}") return {};
  if (t === "[]") return [];
  if (t === ".inf") return Infinity;
  if (t === "-.inf") return -Infinity;
  if (t === ".nan") return NaN;
  if (/^'.*'$/.test(t)) return t.slice(1, -1).replace(/''/g, "'");
  if (/^".*"$/.test(t)) return JSON.parse(t);
  if (/^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/.test(t)) return Number(t);
  return t;
}

/** Reads YAML written by `hparamsToYaml` (block maps, "- " lists, scalars). */
export function yamlToHparams(text: string): Record<string, unknown> {
  const lines = text.split("\n").filter((l) => l.trim() !== "" && !l.trimStart().startsWith("#"));
  if (lines.length === 1 && lines[0].trim() === "{}") return {};
  let i = 0;
  const ind = (l: string) => l.length - l.trimStart().length;
  function block(level: number): unknown {
    if (i >= lines.length) return null;
    if (lines[i].trimStart().startsWith("- ") || lines[i].trim() === "-") {
      const arr: unknown[] = [];
      while (i < lines.length && ind(lines[i]) === level && lines[i].trimStart().startsWith("-")) {
        const rest = lines[i].trimStart().slice(2);
        if (/^[^'"][^:]*:( |$)/.test(rest)) {
          // a map item: re-read this line as the first key of a map at level + 2
          lines[i] = " ".repeat(level + 2) + rest;
          arr.push(block(level + 2));
        } else {
          i++;
          arr.push(parseScalar(rest));
        }
      }
      return arr;
    }
    const obj: Record<string, unknown> = {};
    while (i < lines.length && ind(lines[i]) === level) {
      const line = lines[i].trim();
      const m = /^('(?:[^']|'')*'|[^:]+):(?: (.*))?$/.exec(line);
      if (!m) throw new SyntaxError(`hparams.yaml: cannot read line "${line}"`);
      const key = String(parseScalar(m[1]));
      i++;
      if (m[2] !== undefined && m[2].trim() !== "") obj[key] = parseScalar(m[2]);
      else if (i < lines.length && (ind(lines[i]) > level || (ind(lines[i]) === level && lines[i].trimStart().startsWith("-")))) {
        obj[key] = block(ind(lines[i]));
      } else obj[key] = null;
    }
    return obj;
  }
  return block(0) as Record<string, unknown>;
}
