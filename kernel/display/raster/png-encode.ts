/** Minimal PNG encoder (8 bits, no interlace) on node's zlib: grayscale when the image is opaque gray, else RGBA. */
import { deflateSync } from "node:zlib";

const crcTable = (() => {
  const table = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    table[n] = c >>> 0;
  }
  return table;
})();

export function crc32(bytes: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < bytes.length; i++) c = crcTable[(c ^ bytes[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

function chunk(type: string, body: Uint8Array): Buffer {
  const out = Buffer.alloc(12 + body.length);
  out.writeUInt32BE(body.length, 0);
  out.write(type, 4, "ascii");
  Buffer.from(body.buffer, body.byteOffset, body.byteLength).copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + body.length)), 8 + body.length);
  return out;
}

export const pngSignature = Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);

/** True when every pixel is opaque and r = g = b (digit grids): then one gray byte per pixel is enough. */
function isOpaqueGray(rgba: Uint8Array): boolean {
  for (let i = 0; i < rgba.length; i += 4) {
    if (rgba[i + 3] !== 255 || rgba[i] !== rgba[i + 1] || rgba[i] !== rgba[i + 2]) return false;
  }
  return true;
}

/** `rgba` holds width*height*4 bytes, rows top to bottom. Opaque gray images are written as 8-bit grayscale (4× fewer bytes). */
export function encodePng(width: number, height: number, rgba: Uint8Array): Buffer {
  const gray = isOpaqueGray(rgba);
  const channels = gray ? 1 : 4;
  const pixels = gray ? rgba.filter((_, i) => i % 4 === 0) : rgba;
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = gray ? 0 : 6; // colour type: grayscale or RGBA
  // Filter "Up" on every row: charts are mostly flat colour, so rows repeat and compress to almost nothing.
  const stride = width * channels;
  const raw = Buffer.alloc((stride + 1) * height);
  for (let y = 0; y < height; y++) {
    const o = y * (stride + 1);
    raw[o] = 2;
    for (let i = 0; i < stride; i++) {
      const above = y > 0 ? pixels[(y - 1) * stride + i] : 0;
      raw[o + 1 + i] = (pixels[y * stride + i] - above) & 0xff;
    }
  }
  return Buffer.concat([pngSignature, chunk("IHDR", ihdr), chunk("IDAT", deflateSync(raw, { level: 6 })), chunk("IEND", new Uint8Array(0))]);
}
