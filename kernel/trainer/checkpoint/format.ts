/**
 * The checkpoint file: one file holding a JSON header and the tensors' bytes.
 *
 *   bytes 0..7    magic "TSLCKPT\n"
 *   bytes 8..11   format version (uint32 LE)
 *   bytes 12..15  header length in bytes (uint32 LE)
 *   bytes 16..23  data length in bytes (float64 LE)
 *   bytes 24..55  SHA-256 of everything after byte 55 (header + data)
 *   then the UTF-8 JSON header, zero padding to a multiple of 8, then the data blob.
 *
 * In the header, each tensor (or typed array) of the checkpoint dict is replaced by
 * `{"__tensor__": {dtype, shape, offset, byteLength}}`, and non-finite numbers by `{"__number__": "Infinity"}`.
 * Decoding gives back `TensorData` records (typed arrays, not device tensors).
 */
import { createHash } from "node:crypto";
import * as tf from "@tensorflow/tfjs";

export const CHECKPOINT_MAGIC = "TSLCKPT\n";
export const CHECKPOINT_FORMAT_VERSION = 1;
const PREFIX = 56;

export type TensorDtype = "float32" | "int32" | "bool";
/** A tensor's values on the host, as stored in checkpoint dicts. */
export interface TensorData {
  dtype: TensorDtype;
  shape: number[];
  data: Float32Array | Int32Array | Uint8Array;
}

export class CheckpointError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "CheckpointError";
  }
}

export function isTensorData(v: unknown): v is TensorData {
  return typeof v === "object" && v !== null && Array.isArray((v as TensorData).shape) && typeof (v as TensorData).dtype === "string" &&
    ArrayBuffer.isView((v as TensorData).data);
}

/** Reads a tf.Tensor's values into a TensorData (async: no synchronous readback). */
export async function tensorData(t: tf.Tensor): Promise<TensorData> {
  if (t.dtype !== "float32" && t.dtype !== "int32" && t.dtype !== "bool") {
    throw new CheckpointError(`checkpoints store float32, int32 and bool tensors; got a ${t.dtype} tensor of shape [${t.shape}]`);
  }
  const values = await t.data();
  const data = t.dtype === "bool" ? Uint8Array.from(values as Uint8Array) : (values.slice() as Float32Array | Int32Array);
  return { dtype: t.dtype, shape: [...t.shape], data };
}

/** Serializes a checkpoint dict (JSON values, TensorData, tf.Tensors) into one buffer. */
export async function encodeCheckpoint(dict: Record<string, unknown>): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let offset = 0;
  const add = (td: TensorData) => {
    const bytes = Buffer.from(td.data.buffer, td.data.byteOffset, td.data.byteLength);
    const entry = { dtype: td.dtype, shape: td.shape, offset, byteLength: bytes.length };
    chunks.push(bytes);
    const pad = (8 - (bytes.length % 8)) % 8;
    if (pad) chunks.push(Buffer.alloc(pad));
    offset += bytes.length + pad;
    return { __tensor__: entry };
  };
  const walk = async (v: unknown, where: string): Promise<unknown> => {
    if (v instanceof tf.Tensor) return add(await tensorData(v));
    if (isTensorData(v)) return add(v);
    if (typeof v === "number") return Number.isFinite(v) ? v : { __number__: String(v) };
    if (typeof v === "bigint") return Number(v);
    if (v === null || typeof v === "string" || typeof v === "boolean") return v;
    if (v === undefined || typeof v === "function" || typeof v === "symbol") return undefined;
    if (Array.isArray(v)) {
      const out: unknown[] = [];
      for (let i = 0; i < v.length; i++) out.push((await walk(v[i], `${where}[${i}]`)) ?? null);
      return out;
    }
    if (ArrayBuffer.isView(v)) return Array.from(v as unknown as ArrayLike<number>);
    if (typeof v === "object") {
      const proto = Object.getPrototypeOf(v);
      if (proto !== Object.prototype && proto !== null && !(v instanceof Date)) {
        throw new CheckpointError(`cannot store ${where} in a checkpoint: it is a ${proto?.constructor?.name ?? "object"}, not plain data or a tensor`);
      }
      if (v instanceof Date) return v.toISOString();
      const out: Record<string, unknown> = {};
      for (const [k, val] of Object.entries(v)) {
        const w = await walk(val, `${where}.${k}`);
        if (w !== undefined) out[k] = w;
      }
      return out;
    }
    return undefined;
  };
  const header = Buffer.from(JSON.stringify(await walk(dict, "checkpoint")), "utf8");
  const headerPad = (8 - ((PREFIX + header.length) % 8)) % 8;
  const data = Buffer.concat(chunks);
  const body = Buffer.concat([header, Buffer.alloc(headerPad), data]);
  const prefix = Buffer.alloc(PREFIX);
  prefix.write(CHECKPOINT_MAGIC, 0, "latin1");
  prefix.writeUInt32LE(CHECKPOINT_FORMAT_VERSION, 8);
  prefix.writeUInt32LE(header.length, 12);
  prefix.writeDoubleLE(data.length, 16);
  createHash("sha256").update(body).digest().copy(prefix, 24);
  return Buffer.concat([prefix, body]);
}

/** Parses a checkpoint buffer; `source` names the file in errors. */
export function decodeCheckpoint(buf: Buffer, source: string): Record<string, unknown> {
  if (buf.length < PREFIX || buf.toString("latin1", 0, 8) !== CHECKPOINT_MAGIC) {
    throw new CheckpointError(`${source} is not a tslab-lightning checkpoint (${describeForeign(buf)}).`);
  }
  const version = buf.readUInt32LE(8);
  if (version > CHECKPOINT_FORMAT_VERSION) {
    throw new CheckpointError(`${source} has checkpoint format version ${version}; this tslab-lightning reads up to version ${CHECKPOINT_FORMAT_VERSION}. Upgrade tslab-lightning.`);
  }
  const headerLen = buf.readUInt32LE(12);
  const dataLen = buf.readDoubleLE(16);
  const headerPad = (8 - ((PREFIX + headerLen) % 8)) % 8;
  const expected = PREFIX + headerLen + headerPad + dataLen;
  if (buf.length !== expected) {
    throw new CheckpointError(`${source} is corrupt: it should be ${expected} bytes long but is ${buf.length} (truncated or overwritten).`);
  }
  const body = buf.subarray(PREFIX);
  const digest = createHash("sha256").update(body).digest();
  if (!digest.equals(buf.subarray(24, 56))) {
    throw new CheckpointError(`${source} is corrupt: its checksum does not match its contents.`);
  }
  let header: unknown;
  try {
    header = JSON.parse(body.toString("utf8", 0, headerLen));
  } catch (e) {
    throw new CheckpointError(`${source} is corrupt: its header is not valid JSON (${(e as Error).message}).`);
  }
  const dataStart = PREFIX + headerLen + headerPad;
  const revive = (v: unknown): unknown => {
    if (Array.isArray(v)) return v.map(revive);
    if (typeof v !== "object" || v === null) return v;
    const o = v as Record<string, any>;
    if (o.__number__ !== undefined && Object.keys(o).length === 1) return Number(o.__number__);
    if (o.__tensor__ !== undefined && Object.keys(o).length === 1) {
      const { dtype, shape, offset, byteLength } = o.__tensor__;
      const copy = new Uint8Array(byteLength);
      copy.set(buf.subarray(dataStart + offset, dataStart + offset + byteLength));
      const data = dtype === "float32" ? new Float32Array(copy.buffer) : dtype === "int32" ? new Int32Array(copy.buffer) : copy;
      return { dtype, shape, data } as TensorData;
    }
    const out: Record<string, unknown> = {};
    for (const [k, val] of Object.entries(o)) out[k] = revive(val);
    return out;
  };
  return revive(header) as Record<string, unknown>;
}

function describeForeign(buf: Buffer): string {
  if (buf.length === 0) return "the file is empty";
  if (buf.subarray(0, 4).equals(Buffer.from([0x50, 0x4b, 0x03, 0x04]))) {
    return "it is a ZIP archive — a PyTorch/Lightning .ckpt cannot be loaded; re-train or convert the weights";
  }
  const head = buf.toString("utf8", 0, Math.min(buf.length, 64)).trimStart();
  if (head.startsWith("{")) return "it is a JSON file — for a tfjs model.json use tf.loadLayersModel";
  if (buf.length < PREFIX && buf.toString("latin1", 0, Math.min(8, buf.length)) === CHECKPOINT_MAGIC.slice(0, Math.min(8, buf.length))) {
    return `it is truncated (${buf.length} bytes)`;
  }
  const hex = buf.subarray(0, 8).toString("hex").replace(/(..)/g, "$1 ").trim();
  return `its first bytes are ${hex}, expected the magic "TSLCKPT\\n"`;
}
