import { createReadStream, statSync } from 'node:fs';
import { createGunzip } from 'node:zlib';
import { GovflowError } from '../kernel/index.js';

export interface ProgressCallback {
  (bytesRead: number, totalBytes: number): void;
}

/**
 * Opens a file as a stream of byte chunks, gunzipping `.gz` (or anything starting with the gzip magic number). The
 * progress callback reports compressed bytes read against the file size, which is what a progress bar can show.
 */
export async function* fileChunks(path: string, onProgress?: ProgressCallback): AsyncGenerator<Buffer> {
  let total = 0;
  try {
    total = statSync(path).size;
  } catch (error) {
    throw new GovflowError('GOVFLOW_ERR_LOG_PARSE', `Cannot open ${path}`, [{ where: path, message: (error as Error).message }]);
  }
  const raw = createReadStream(path, { highWaterMark: 1 << 20 });
  const gz = path.endsWith('.gz') || (await startsWithGzipMagic(path));
  const source: AsyncIterable<Buffer> = gz ? raw.pipe(createGunzip({ chunkSize: 1 << 20 })) : raw;
  try {
    for await (const chunk of source) {
      // bytesRead counts the file's (compressed) bytes, which is what a progress bar over the file can show.
      onProgress?.(raw.bytesRead, total);
      yield chunk as Buffer;
    }
  } catch (error) {
    if (error instanceof GovflowError) throw error;
    throw new GovflowError('GOVFLOW_ERR_LOG_PARSE', `Cannot read ${path}: ${(error as Error).message}`, [
      { where: path, message: (error as Error).message },
    ]);
  } finally {
    raw.destroy();
  }
}

async function startsWithGzipMagic(path: string): Promise<boolean> {
  const { open } = await import('node:fs/promises');
  const handle = await open(path, 'r');
  try {
    const head = Buffer.alloc(2);
    const { bytesRead } = await handle.read(head, 0, 2, 0);
    return bytesRead === 2 && head[0] === 0x1f && head[1] === 0x8b;
  } finally {
    await handle.close();
  }
}

/** Tracks line and column across chunks so errors can say where they are without counting lines on the hot path. */
export class LineTracker {
  private line = 1;
  /** Absolute offset of the first byte of the current line, for columns that started in an earlier chunk. */
  private lineStartAbs = 0;
  /** Absolute offset of buf[0]. */
  bufferStart = 0;

  /** Call before discarding buf[0 .. upto). */
  consume(buf: Uint8Array, upto: number): void {
    const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    let i = b.indexOf(10, 0);
    while (i >= 0 && i < upto) {
      this.line++;
      this.lineStartAbs = this.bufferStart + i + 1;
      i = b.indexOf(10, i + 1);
    }
    this.bufferStart += upto;
  }

  locate(buf: Uint8Array, pos: number): { line: number; column: number } {
    const b = Buffer.from(buf.buffer, buf.byteOffset, buf.byteLength);
    let line = this.line;
    let lineStart = this.lineStartAbs;
    let i = b.indexOf(10, 0);
    while (i >= 0 && i < pos) {
      line++;
      lineStart = this.bufferStart + i + 1;
      i = b.indexOf(10, i + 1);
    }
    // Columns count characters, not bytes, so multi-byte names do not shift them.
    const abs = this.bufferStart + pos;
    const fromInBuf = Math.max(0, lineStart - this.bufferStart);
    const chars = lineStart >= this.bufferStart ? b.toString('utf8', fromInBuf, pos).length : abs - lineStart;
    return { line, column: chars + 1 };
  }
}
