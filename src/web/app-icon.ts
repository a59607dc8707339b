import { deflateSync } from 'node:zlib';

/**
 * The installable app's icon (issue 18), drawn here rather than taken from anyone's artwork: a small process diagram
 * in BPMN's own shapes — a start event, a task with a check mark, an end event — white on blue. One geometry gives
 * both the SVG and the PNGs (rasterised on first request by signed distances, one sample per pixel, the edge
 * anti-aliased over one pixel), so the pictures cannot drift apart and no binary file is kept in the repository.
 */
type Shape =
  | { readonly kind: 'ring'; readonly cx: number; readonly cy: number; readonly r: number; readonly width: number }
  | { readonly kind: 'box'; readonly x: number; readonly y: number; readonly w: number; readonly h: number; readonly r: number; readonly width: number }
  | { readonly kind: 'line'; readonly points: readonly (readonly [number, number])[]; readonly width: number };

const UNITS = 512;
export const ICON_BACKGROUND = '#1d70b8';
const BACKGROUND_RGB = [0x1d, 0x70, 0xb8] as const;

const SHAPES: readonly Shape[] = [
  { kind: 'ring', cx: 110, cy: 256, r: 44, width: 14 },
  { kind: 'line', points: [[154, 256], [196, 256]], width: 14 },
  { kind: 'box', x: 196, y: 196, w: 120, h: 120, r: 22, width: 14 },
  { kind: 'line', points: [[230, 260], [250, 282], [284, 236]], width: 16 },
  { kind: 'line', points: [[316, 256], [358, 256]], width: 14 },
  { kind: 'ring', cx: 402, cy: 256, r: 38, width: 26 },
];

export function iconSvg(): string {
  const parts = SHAPES.map((s) => {
    if (s.kind === 'ring') return `<circle cx="${s.cx}" cy="${s.cy}" r="${s.r}" stroke-width="${s.width}"/>`;
    if (s.kind === 'box') return `<rect x="${s.x}" y="${s.y}" width="${s.w}" height="${s.h}" rx="${s.r}" stroke-width="${s.width}"/>`;
    return `<path d="M${s.points.map(([x, y]) => `${x} ${y}`).join(' L')}" stroke-width="${s.width}"/>`;
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 ${UNITS} ${UNITS}" width="${UNITS}" height="${UNITS}">
<title>govflow</title>
<rect width="${UNITS}" height="${UNITS}" fill="${ICON_BACKGROUND}"/>
<g fill="none" stroke="#ffffff" stroke-linecap="round" stroke-linejoin="round">
${parts.join('\n')}
</g>
</svg>
`;
}

/** Distance from (px, py) to a shape's stroke, in icon units (negative inside the stroke). */
function distance(s: Shape, px: number, py: number): number {
  if (s.kind === 'ring') return Math.abs(Math.hypot(px - s.cx, py - s.cy) - s.r) - s.width / 2;
  if (s.kind === 'box') {
    const hx = s.w / 2;
    const hy = s.h / 2;
    const qx = Math.abs(px - (s.x + hx)) - (hx - s.r);
    const qy = Math.abs(py - (s.y + hy)) - (hy - s.r);
    const outline = Math.hypot(Math.max(qx, 0), Math.max(qy, 0)) + Math.min(Math.max(qx, qy), 0) - s.r;
    return Math.abs(outline) - s.width / 2;
  }
  let best = Infinity;
  for (let i = 1; i < s.points.length; i++) {
    const [ax, ay] = s.points[i - 1]!;
    const [bx, by] = s.points[i]!;
    const t = Math.max(0, Math.min(1, ((px - ax) * (bx - ax) + (py - ay) * (by - ay)) / ((bx - ax) ** 2 + (by - ay) ** 2)));
    best = Math.min(best, Math.hypot(px - (ax + t * (bx - ax)), py - (ay + t * (by - ay))));
  }
  return best - s.width / 2;
}

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(bytes: Buffer): number {
  let c = 0xffffffff;
  for (const b of bytes) c = CRC_TABLE[(c ^ b) & 0xff]! ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type: string, data: Buffer): Buffer {
  const length = Buffer.alloc(4);
  length.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([length, body, crc]);
}

/** The icon as a `size`×`size` PNG (8-bit RGB, opaque). */
export function iconPng(size: number): Buffer {
  const unitsPerPixel = UNITS / size;
  const rows = Buffer.alloc((size * 3 + 1) * size);
  for (let y = 0; y < size; y++) {
    const row = y * (size * 3 + 1); // each row starts with its filter byte, 0 (none)
    for (let x = 0; x < size; x++) {
      const ux = (x + 0.5) * unitsPerPixel;
      const uy = (y + 0.5) * unitsPerPixel;
      let d = Infinity;
      for (const s of SHAPES) d = Math.min(d, distance(s, ux, uy));
      const white = Math.max(0, Math.min(1, 0.5 - d / unitsPerPixel));
      for (let c = 0; c < 3; c++) rows[row + 1 + x * 3 + c] = Math.round(BACKGROUND_RGB[c]! + (255 - BACKGROUND_RGB[c]!) * white);
    }
  }
  const header = Buffer.alloc(13);
  header.writeUInt32BE(size, 0);
  header.writeUInt32BE(size, 4);
  header.set([8, 2, 0, 0, 0], 8); // bit depth 8, colour type 2 (RGB), deflate, filter method 0, no interlace
  return Buffer.concat([Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]), chunk('IHDR', header), chunk('IDAT', deflateSync(rows)), chunk('IEND', Buffer.alloc(0))]);
}
