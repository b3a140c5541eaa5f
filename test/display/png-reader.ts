/** Test helper: a strict PNG reader (8-bit RGBA or grayscale, all five filter types); pixels come back as RGBA. */
import { inflateSync } from "node:zlib";
import { crc32 } from "../../kernel/display/raster/png-encode";

export interface DecodedPng {
  width: number;
  height: number;
  pixels: Uint8Array;
  chunkTypes: string[];
}

export function decodePng(png: Buffer): DecodedPng {
  const sig = [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a];
  sig.forEach((b, i) => {
    if (png[i] !== b) throw new Error("bad PNG signature");
  });
  let off = 8;
  let width = 0;
  let height = 0;
  let channels = 4;
  const idat: Buffer[] = [];
  const chunkTypes: string[] = [];
  while (off < png.length) {
    const len = png.readUInt32BE(off);
    const type = png.toString("ascii", off + 4, off + 8);
    const body = png.subarray(off + 8, off + 8 + len);
    if (crc32(png.subarray(off + 4, off + 8 + len)) !== png.readUInt32BE(off + 8 + len)) throw new Error(`bad CRC in ${type}`);
    chunkTypes.push(type);
    if (type === "IHDR") {
      width = body.readUInt32BE(0);
      height = body.readUInt32BE(4);
      if (body[8] !== 8 || (body[9] !== 6 && body[9] !== 0) || body[12] !== 0) throw new Error("expected 8-bit RGBA or gray, not interlaced");
      channels = body[9] === 0 ? 1 : 4;
    } else if (type === "IDAT") idat.push(body);
    off += 12 + len;
  }
  const raw = inflateSync(Buffer.concat(idat));
  const stride = width * channels;
  if (raw.length !== (stride + 1) * height) throw new Error("IDAT size does not match IHDR");
  const px = new Uint8Array(stride * height);
  const bpp = channels;
  for (let y = 0; y < height; y++) {
    const f = raw[y * (stride + 1)];
    for (let i = 0; i < stride; i++) {
      const x = raw[y * (stride + 1) + 1 + i];
      const a = i >= bpp ? px[y * stride + i - bpp] : 0;
      const b = y > 0 ? px[(y - 1) * stride + i] : 0;
      const c = i >= bpp && y > 0 ? px[(y - 1) * stride + i - bpp] : 0;
      const paeth = () => {
        const p = a + b - c;
        const [pa, pb, pc] = [Math.abs(p - a), Math.abs(p - b), Math.abs(p - c)];
        return pa <= pb && pa <= pc ? a : pb <= pc ? b : c;
      };
      const pred = f === 0 ? 0 : f === 1 ? a : f === 2 ? b : f === 3 ? (a + b) >> 1 : f === 4 ? paeth() : NaN;
      if (Number.isNaN(pred)) throw new Error(`bad filter ${f}`);
      px[y * stride + i] = (x + pred) & 0xff;
    }
  }
  if (channels === 4) return { width, height, pixels: px, chunkTypes };
  const rgba = new Uint8Array(width * height * 4);
  px.forEach((g, i) => rgba.set([g, g, g, 255], i * 4));
  return { width, height, pixels: rgba, chunkTypes };
}

/** Pixels that differ from white. */
export function inkCount(img: DecodedPng, region?: { x: number; y: number; w: number; h: number }): number {
  const r = region ?? { x: 0, y: 0, w: img.width, h: img.height };
  let n = 0;
  for (let y = r.y; y < r.y + r.h; y++) {
    for (let x = r.x; x < r.x + r.w; x++) {
      const i = (y * img.width + x) * 4;
      if (img.pixels[i] !== 255 || img.pixels[i + 1] !== 255 || img.pixels[i + 2] !== 255) n++;
    }
  }
  return n;
}
