/**
 * Names (activities, resources, case ids) interned straight from the bytes of a file: an open-addressing table keyed
 * by a hash of the bytes, so a name seen before costs a hash and a byte comparison, and no string. A string is
 * decoded once per distinct name.
 */
const FNV_OFFSET = 0x811c9dc5;
const FNV_PRIME = 0x01000193;

export class ByteInterner {
  /** How many names (ids) there are. */
  size = 0;
  /** Names decoded as they came (those with non-ASCII bytes), by id; the ASCII ones are cut from the pool at the end. */
  private readonly decoded = new Map<number, string>();
  private resolved: string[] | undefined;
  /** Table slot → key index + 1 (0: empty). */
  private slots = new Int32Array(64);
  private hashes = new Int32Array(32);
  private offsets = new Int32Array(32);
  private lengths = new Int32Array(32);
  /** Key index → name id: two byte sequences that are not valid UTF-8 can decode to the same name. */
  private ids = new Int32Array(32);
  private keys = 0;
  private pool = new Uint8Array(4096);
  private poolUsed = 0;
  /** Names holding U+FFFD, the only ones two different byte sequences can share. */
  private readonly replaced = new Map<string, number>();
  /** Offset in the pool and length of the bytes of the last name looked up, for cheap "same as before" checks. */
  lastOffset = 0;
  lastLength = -1;

  /** Room for about `names` names without growing (a reader that can estimate them, e.g. case ids from the rows). */
  reserve(names: number): void {
    while (this.hashes.length < names) this.growKeys();
    if (this.slots.length < names * 2) {
      let size = this.slots.length;
      while (size < names * 2) size *= 2;
      this.rehash(size);
    }
  }

  /**
   * Key index + 1 of a recent name by its length and three of its bytes: a file's activities (and most resources) are
   * found here with one comparison and no hash over their bytes.
   */
  private readonly recent = new Int32Array(256);

  /** The id of the name whose UTF-8 bytes are buf[start ..< end]. */
  intern(buf: Buffer, start: number, end: number): number {
    const len = end - start;
    // The four inputs in one word, mixed by a multiplication: a plain weighted sum put many of a file's 60 three-digit
    // resource ids in the same slot, and each miss cost a full hash and probe.
    const quick = len === 0 ? 0 : Math.imul(len ^ ((buf[start] as number) << 8) ^ ((buf[start + (len >> 1)] as number) << 16) ^ ((buf[end - 1] as number) << 24), 0x9e3779b1) >>> 24;
    const seen = (this.recent[quick] as number) - 1;
    if (seen >= 0 && this.lengths[seen] === len && this.sameBytes(this.offsets[seen] as number, buf, start, len)) {
      this.lastOffset = this.offsets[seen] as number;
      this.lastLength = len;
      return this.ids[seen] as number;
    }
    const id = this.lookup(buf, start, end);
    this.recent[quick] = this.lastKey + 1;
    return id;
  }

  /**
   * {@link intern} without the recent-name cache, for names that come in one run each (a file's case ids, where the
   * cache would miss and be overwritten at every new case).
   */
  internUncached(buf: Buffer, start: number, end: number): number {
    return this.lookup(buf, start, end);
  }

  /** The key index of the last name looked up. */
  private lastKey = 0;

  private lookup(buf: Buffer, start: number, end: number): number {
    let h = FNV_OFFSET;
    for (let i = start; i < end; i++) h = Math.imul(h ^ (buf[i] as number), FNV_PRIME);
    const len = end - start;
    const mask = this.slots.length - 1;
    let slot = h & mask;
    for (;;) {
      const k = (this.slots[slot] as number) - 1;
      if (k < 0) return this.insert(buf, start, end, h, slot);
      if (this.hashes[k] === h && this.lengths[k] === len && this.sameBytes(this.offsets[k] as number, buf, start, len)) {
        this.lastOffset = this.offsets[k] as number;
        this.lastLength = len;
        this.lastKey = k;
        return this.ids[k] as number;
      }
      slot = (slot + 1) & mask;
    }
  }

  /** Whether buf[start ..< start + len] are the bytes of the last name looked up. */
  isLast(buf: Buffer, start: number, len: number): boolean {
    return len === this.lastLength && this.sameBytes(this.lastOffset, buf, start, len);
  }

  private sameBytes(offset: number, buf: Buffer, start: number, len: number): boolean {
    const pool = this.pool;
    for (let i = 0; i < len; i++) if (pool[offset + i] !== buf[start + i]) return false;
    return true;
  }

  private insert(buf: Buffer, start: number, end: number, h: number, slot: number): number {
    const len = end - start;
    const k = this.keys++;
    if (k === this.hashes.length) this.growKeys();
    if (this.poolUsed + len > this.pool.length) {
      const pool = new Uint8Array(Math.max(this.pool.length * 2, this.poolUsed + len));
      pool.set(this.pool.subarray(0, this.poolUsed));
      this.pool = pool;
    }
    const pool = this.pool;
    const offset = this.poolUsed;
    let high = 0;
    for (let i = 0; i < len; i++) {
      const b = buf[start + i] as number;
      pool[offset + i] = b;
      high |= b;
    }
    this.offsets[k] = offset;
    this.lengths[k] = len;
    this.hashes[k] = h;
    this.poolUsed = offset + len;
    this.slots[slot] = k + 1;
    let id = this.size;
    // An ASCII name is not decoded here (a native call per case id was a tenth of the import): distinct ASCII bytes
    // are distinct names, so it cannot be an alias, and resolveNames cuts it from one decoding of the pool.
    if (high >= 0x80) {
      const name = buf.toString('utf8', start, end);
      const same = name.includes('\uFFFD') ? this.replaced.get(name) : undefined;
      if (same !== undefined) id = same;
      else {
        if (name.includes('\uFFFD')) this.replaced.set(name, id);
        this.decoded.set(id, name);
      }
    }
    if (id === this.size) this.size++;
    this.ids[k] = id;
    this.resolved = undefined;
    this.lastOffset = offset;
    this.lastLength = len;
    this.lastKey = k;
    if (this.keys * 2 > this.slots.length) this.rehash(this.slots.length * 2);
    return id;
  }

  /** The names by id, in order of first appearance. */
  resolveNames(): string[] {
    if (this.resolved) return this.resolved;
    const names = new Array<string>(this.size);
    const text = Buffer.from(this.pool.buffer, this.pool.byteOffset, this.poolUsed).toString('latin1');
    for (let k = 0; k < this.keys; k++) {
      const id = this.ids[k] as number;
      if (names[id] !== undefined) continue;
      const offset = this.offsets[k] as number;
      names[id] = this.decoded.get(id) ?? text.slice(offset, offset + (this.lengths[k] as number));
    }
    this.resolved = names;
    return names;
  }

  private growKeys(): void {
    const size = this.hashes.length * 2;
    const grow = (a: Int32Array): Int32Array<ArrayBuffer> => {
      const b = new Int32Array(size);
      b.set(a);
      return b;
    };
    this.hashes = grow(this.hashes);
    this.offsets = grow(this.offsets);
    this.lengths = grow(this.lengths);
    this.ids = grow(this.ids);
  }

  private rehash(size: number): void {
    const slots = new Int32Array(size);
    const mask = size - 1;
    for (let k = 0; k < this.keys; k++) {
      let slot = (this.hashes[k] as number) & mask;
      while (slots[slot] !== 0) slot = (slot + 1) & mask;
      slots[slot] = k + 1;
    }
    this.slots = slots;
  }
}
