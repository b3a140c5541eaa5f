/**
 * Python's number formatting, so files read like Lightning's: `repr(float)` (CSV cells, YAML) and a subset of
 * `format(value, spec)` (checkpoint file names such as "{val_loss:.2f}" or "{epoch:03d}").
 */

/** `repr(float(v))`: shortest round-trip digits, "2.0" for integral values, exponent below 1e-4 and from 1e16. */
export function pyFloatRepr(v: number): string {
  if (Number.isNaN(v)) return "nan";
  if (v === Infinity) return "inf";
  if (v === -Infinity) return "-inf";
  if (v === 0) return Object.is(v, -0) ? "-0.0" : "0.0";
  const [mant, expStr] = v.toExponential().split("e");
  const exp = Number(expStr);
  if (exp < -4 || exp >= 16) {
    return `${mant}e${exp < 0 ? "-" : "+"}${String(Math.abs(exp)).padStart(2, "0")}`;
  }
  const s = positional(v);
  return s.includes(".") ? s : `${s}.0`;
}

/** A number without exponent notation (for |v| in [1e-4, 1e16)). */
function positional(v: number): string {
  const s = String(v);
  if (!s.includes("e")) return s;
  const neg = v < 0;
  const [mant, expStr] = Math.abs(v).toExponential().split("e");
  const exp = Number(expStr);
  const digits = mant.replace(".", "");
  let out: string;
  if (exp < 0) out = `0.${"0".repeat(-exp - 1)}${digits}`;
  else out = digits.length <= exp + 1 ? digits + "0".repeat(exp + 1 - digits.length) : `${digits.slice(0, exp + 1)}.${digits.slice(exp + 1)}`;
  return (neg ? "-" : "") + out;
}

/** A number in a CSV cell or file name: integers as ints when `asInt`, floats as Python's repr. */
export function pyNumber(v: number, asInt: boolean): string {
  return asInt && Number.isInteger(v) ? String(v) : pyFloatRepr(v);
}

const SPEC = /^(?:(.)?([<>=^]))?([+\- ])?(#)?(0)?(\d+)?(,)?(?:\.(\d+))?([bcdeEfFgGnosxX%])?$/;

/**
 * `format(value, spec)` for numbers: fill/align/sign/zero-pad/width/precision with the types d, f, F, e, E, g, G, %.
 * `isInt` says whether the value is an int in Python (epoch, step) — an empty spec then prints "3", else "3.0".
 */
export function pyFormat(value: number, spec: string, isInt: boolean): string {
  const m = SPEC.exec(spec);
  if (!m) throw new RangeError(`Invalid format specifier "${spec}"`);
  const [, fill = " ", align, sign = "-", , zero, widthStr, comma, precStr, type] = m;
  const prec = precStr === undefined ? undefined : Number(precStr);
  const abs = Math.abs(value);
  let body: string;
  switch (type) {
    case "d":
      if (!Number.isInteger(value)) throw new RangeError(`Unknown format code 'd' for object of type 'float' (value ${value})`);
      body = String(abs);
      break;
    case "f":
    case "F":
      body = Number.isFinite(abs) ? abs.toFixed(prec ?? 6) : abs === Infinity ? "inf" : "nan";
      break;
    case "e":
    case "E":
      body = Number.isFinite(abs) ? expo(abs.toExponential(prec ?? 6)) : abs === Infinity ? "inf" : "nan";
      break;
    case "%":
      body = `${(abs * 100).toFixed(prec ?? 6)}%`;
      break;
    case "g":
    case "G":
      body = general(abs, prec ?? 6);
      break;
    default:
      if (prec !== undefined) body = general(abs, prec);
      else body = isInt && Number.isInteger(value) ? String(abs) : pyFloatRepr(abs);
  }
  if (type === "E" || type === "G" || type === "F") body = body.toUpperCase();
  if (comma) {
    const [i, f] = body.split(".");
    body = i.replace(/\B(?=(\d{3})+(?!\d))/g, ",") + (f !== undefined ? `.${f}` : "");
  }
  const neg = value < 0 || Object.is(value, -0);
  const signStr = neg ? "-" : sign === "+" ? "+" : sign === " " ? " " : "";
  const width = widthStr ? Number(widthStr) : 0;
  const len = signStr.length + body.length;
  if (len >= width) return signStr + body;
  const pad = width - len;
  const a = align ?? (zero ? "=" : ">");
  const f = align ? fill : zero ? "0" : " ";
  if (a === "=") return signStr + f.repeat(pad) + body;
  if (a === "<") return signStr + body + f.repeat(pad);
  if (a === "^") return f.repeat(Math.floor(pad / 2)) + signStr + body + f.repeat(Math.ceil(pad / 2));
  return f.repeat(pad) + signStr + body;
}

/** JS "1.5e+0" → Python "1.5e+00". */
function expo(s: string): string {
  return s.replace(/e([+-])(\d)$/, "e$10$2");
}

/** Python's "g" presentation. */
function general(abs: number, precision: number): string {
  if (!Number.isFinite(abs)) return abs === Infinity ? "inf" : "nan";
  const p = precision === 0 ? 1 : precision;
  if (abs === 0) return "0";
  const exp = Math.floor(Math.log10(Number(abs.toExponential(p - 1))));
  let s: string;
  if (exp < -4 || exp >= p) {
    s = abs.toExponential(p - 1);
    s = s.replace(/\.?0+e/, "e");
    return expo(s);
  }
  s = abs.toFixed(Math.max(0, p - 1 - exp));
  return s.includes(".") ? s.replace(/\.?0+$/, "") : s;
}
