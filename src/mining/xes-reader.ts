/**
 * A streaming XES (IEEE 1849) reader: a hand-rolled tokenizer over byte chunks, because reading is the core of every
 * analysis and a general SAX parser spends most of its time building objects XES never needs. It never holds more
 * than one chunk plus one unfinished tag, so memory is bounded by the log's columns, not the file.
 *
 * PM4Py's rules: a trace's events are ordered by timestamp, file order among equal timestamps (the builder sorts
 * each trace as it closes, so the reader still streams); the activity is `concept:name` whatever the lifecycle;
 * timestamps without a zone are UTC.
 */
import { GovflowError } from '../kernel/index.js';
import { fileChunks, LineTracker, type ProgressCallback } from './byte-source.js';
import { EventLogBuilder, LIFECYCLE_COMPLETE, LIFECYCLE_START, lifecycleCode, type AttributeValue, type EventLog } from './event-log.js';
import { lastHadZone, lastOffsetMs, parseTimestampBytes, type ZoneMode } from './timestamp.js';
import { decodeEntities } from './xml-text.js';

export interface ReadOptions {
  /** Skip bad events (and empty traces) and count them instead of failing. */
  readonly lenient?: boolean;
  readonly onProgress?: ProgressCallback;
  /** Default `wall-clock`, as PM4Py computes; see {@link ZoneMode}. */
  readonly zones?: ZoneMode;
}

// Element codes: known XES names are recognised from their bytes without making a string.
const E_OTHER = 0;
const E_LOG = 1;
const E_TRACE = 2;
const E_EVENT = 3;
const E_STRING = 4;
const E_DATE = 5;
const E_INT = 6;
const E_FLOAT = 7;
const E_BOOLEAN = 8;
const E_ID = 9;
const E_LIST = 10;
const E_CONTAINER = 11;
const E_GLOBAL = 12;
const E_VALUES = 13;

const LT = 0x3c;
const GT = 0x3e;
const SLASH = 0x2f;
const QUOT = 0x22;
const APOS = 0x27;
const EQ = 0x3d;
const AMP = 0x26;

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09;
}

function isNameChar(c: number): boolean {
  return c > 0x7f || (c >= 0x61 && c <= 0x7a) || (c >= 0x41 && c <= 0x5a) || (c >= 0x30 && c <= 0x39) || c === 0x3a || c === 0x5f || c === 0x2d || c === 0x2e;
}

const bytes = (s: string): Uint8Array => Buffer.from(s, 'latin1');
const K_CONCEPT_NAME = bytes('concept:name');
const K_TIMESTAMP = bytes('time:timestamp');
const K_RESOURCE = bytes('org:resource');
const K_GROUP = bytes('org:group');
const K_LIFECYCLE = bytes('lifecycle:transition');
const A_KEY = bytes('key');
const K_ID_OTHER = 0;
const K_ID_CONCEPT_NAME = 1;
const K_ID_TIMESTAMP = 2;
const K_ID_RESOURCE = 3;
const K_ID_GROUP = 4;
const K_ID_LIFECYCLE = 5;
const KNOWN_KEYS: readonly Uint8Array[] = [new Uint8Array(0), K_CONCEPT_NAME, K_TIMESTAMP, K_RESOURCE, K_GROUP, K_LIFECYCLE];
const A_VALUE = bytes('value');

const K_COMPLETE = bytes('complete');
const K_START = bytes('start');

/** ASCII case-insensitive comparison with a lower-case constant. */
function eqIgnoreCase(buf: Uint8Array, s: number, e: number, k: Uint8Array): boolean {
  if (e - s !== k.length) return false;
  for (let i = 0; i < k.length; i++) if (((buf[s + i] ?? 0) | 0x20) !== k[i]) return false;
  return true;
}

function eq(buf: Uint8Array, s: number, e: number, k: Uint8Array): boolean {
  if (e - s !== k.length) return false;
  for (let i = 0; i < k.length; i++) if (buf[s + i] !== k[i]) return false;
  return true;
}

function elementCode(buf: Uint8Array, s: number, e: number): number {
  const code = localElementCode(buf, s, e);
  if (code !== E_OTHER) return code;
  // A namespace prefix (xes:trace) is ignored: the element's local name decides.
  for (let i = e - 1; i > s; i--) if (buf[i] === 0x3a) return localElementCode(buf, i + 1, e);
  return E_OTHER;
}

function localElementCode(buf: Uint8Array, s: number, e: number): number {
  const len = e - s;
  const c = buf[s];
  switch (len) {
    case 2:
      return c === 0x69 && buf[s + 1] === 0x64 ? E_ID : E_OTHER;
    case 3:
      if (c === 0x6c && buf[s + 1] === 0x6f && buf[s + 2] === 0x67) return E_LOG;
      if (c === 0x69 && buf[s + 1] === 0x6e && buf[s + 2] === 0x74) return E_INT;
      return E_OTHER;
    case 4:
      if (c === 0x64 && eq(buf, s, e, bytes4.date)) return E_DATE;
      if (c === 0x6c && eq(buf, s, e, bytes4.list)) return E_LIST;
      return E_OTHER;
    case 5:
      if (c === 0x74 && eq(buf, s, e, bytes4.trace)) return E_TRACE;
      if (c === 0x65 && eq(buf, s, e, bytes4.event)) return E_EVENT;
      if (c === 0x66 && eq(buf, s, e, bytes4.float)) return E_FLOAT;
      return E_OTHER;
    case 6:
      if (c === 0x73 && eq(buf, s, e, bytes4.string)) return E_STRING;
      if (c === 0x67 && eq(buf, s, e, bytes4.global)) return E_GLOBAL;
      if (c === 0x76 && eq(buf, s, e, bytes4.values)) return E_VALUES;
      return E_OTHER;
    case 7:
      return eq(buf, s, e, bytes4.boolean) ? E_BOOLEAN : E_OTHER;
    case 9:
      return eq(buf, s, e, bytes4.container) ? E_CONTAINER : E_OTHER;
    default:
      return E_OTHER;
  }
}

const bytes4 = {
  date: bytes('date'),
  list: bytes('list'),
  trace: bytes('trace'),
  event: bytes('event'),
  float: bytes('float'),
  string: bytes('string'),
  global: bytes('global'),
  values: bytes('values'),
  boolean: bytes('boolean'),
  container: bytes('container'),
};

/**
 * Maps byte strings to ids without decoding them: activity and resource names repeat on every event, and building a
 * JS string for each is most of what a naive reader spends its time on.
 */
class ByteInterner {
  // Open addressing over typed arrays: cheaper than a Map of buckets on a lookup made for every event.
  private mask = 1023;
  private hashes = new Int32Array(1024);
  private ids = new Int32Array(1024).fill(-1);
  private entries: (Uint8Array | undefined)[] = new Array<Uint8Array | undefined>(1024);
  private size = 0;

  static hash(buf: Uint8Array, s: number, e: number): number {
    let h = 0x811c9dc5;
    for (let i = s; i < e; i++) h = Math.imul(h ^ (buf[i] ?? 0), 0x01000193);
    return h;
  }

  get(buf: Uint8Array, s: number, e: number, h: number): number {
    let slot = h & this.mask;
    for (;;) {
      const id = this.ids[slot] ?? -1;
      if (id < 0) return -1;
      if (this.hashes[slot] === h && eq(buf, s, e, this.entries[slot] ?? EMPTY)) return id;
      slot = (slot + 1) & this.mask;
    }
  }

  set(buf: Uint8Array, s: number, e: number, id: number, h: number): void {
    if ((this.size + 1) * 2 > this.mask) this.rehash();
    this.place(h, id, buf.slice(s, e));
    this.size++;
  }

  private place(h: number, id: number, bytes: Uint8Array): void {
    let slot = h & this.mask;
    while ((this.ids[slot] ?? -1) >= 0) slot = (slot + 1) & this.mask;
    this.hashes[slot] = h;
    this.ids[slot] = id;
    this.entries[slot] = bytes;
  }

  private rehash(): void {
    const { hashes, ids, entries } = this;
    const capacity = (this.mask + 1) * 2;
    this.mask = capacity - 1;
    this.hashes = new Int32Array(capacity);
    this.ids = new Int32Array(capacity).fill(-1);
    this.entries = new Array<Uint8Array | undefined>(capacity);
    for (let i = 0; i < ids.length; i++) {
      const id = ids[i] ?? -1;
      if (id >= 0) this.place(hashes[i] ?? 0, id, entries[i] ?? EMPTY);
    }
  }
}

const EMPTY = new Uint8Array(0);

export async function readXesFile(path: string, options: ReadOptions = {}): Promise<EventLog> {
  return readXes(fileChunks(path, options.onProgress), path, options);
}

/** Reads XES from any stream of byte chunks; `where` names the source in error messages. */
export async function readXes(chunks: AsyncIterable<Uint8Array>, where: string, options: ReadOptions = {}): Promise<EventLog> {
  const parser = new XesParser(where, options.lenient ?? false, options.zones);
  for await (const chunk of chunks) parser.push(chunk);
  return parser.finish();
}

/** Reads XES held in memory (tests, uploads). */
export function readXesText(text: string | Uint8Array, where = 'input.xes', options: ReadOptions = {}): EventLog {
  const parser = new XesParser(where, options.lenient ?? false, options.zones);
  parser.push(typeof text === 'string' ? Buffer.from(text, 'utf8') : text);
  return parser.finish();
}

class XesParser {
  private buf: Buffer = Buffer.alloc(0);
  private readonly lines = new LineTracker();
  private readonly builder = new EventLogBuilder();
  private readonly stack = new Int32Array(512);
  private readonly otherNames: (string | undefined)[] = [];
  private depth = 0;
  private sawRoot = false;
  private rootClosed = false;
  // Current trace and event state, kept in fields (not objects) so the hot path allocates nothing but strings.
  private traceDepth = -1;
  private eventDepth = -1;
  private traceEvents = 0;
  private traceName: string | undefined;
  private traceAttrs: Map<string, AttributeValue> | undefined;
  private traceStartPos = 0;
  private traceBad = 0;
  private evActivity = -1;
  private evTs = NaN;
  private evRes = -1;
  private evGrp = -1;
  private evLife = LIFECYCLE_COMPLETE;
  private evProblem: string | undefined;
  private evProblemLoc: { line: number; column: number } | undefined;
  private zoneMode = 0; // 0 unknown, 1 zoned, 2 zone-less
  // Scratch for attributes of one tag.
  private readonly attrKs = new Int32Array(64);
  private readonly attrKe = new Int32Array(64);
  private readonly attrVs = new Int32Array(64);
  private readonly attrVe = new Int32Array(64);
  private attrCount = 0;
  /** Set while handling a tag recognised by fastAttributeTag: attribute 0 is key, 1 is value. */
  private fastKeyValue = false;
  /** FNV-1a hash of the value of the tag fastAttributeTag recognised. */
  private fastHash = 0;
  /** Which known key (K_ID_*) the fast-path tag has; K_ID_OTHER if none. */
  private fastKeyId = 0;

  private readonly wallClock: boolean;

  constructor(
    private readonly where: string,
    private readonly lenient: boolean,
    zones: ZoneMode = 'wall-clock',
  ) {
    this.wallClock = zones === 'wall-clock';
  }

  push(chunk: Uint8Array): void {
    const input = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.buf = this.buf.length === 0 ? input : Buffer.concat([this.buf, input]);
    const consumed = this.scan(false);
    this.lines.consume(this.buf, consumed);
    this.buf = this.buf.subarray(consumed);
  }

  finish(): EventLog {
    const consumed = this.scan(true);
    if (consumed < this.buf.length) {
      const rest = this.buf.subarray(consumed);
      if (rest.some((c) => !isSpace(c))) this.fail(consumed, 'the file ends inside a tag or comment');
    }
    if (this.depth > 0) {
      this.fail(this.buf.length, `the file ends before </${this.nameOf(this.depth - 1)}> (the XML is truncated)`);
    }
    if (!this.sawRoot) this.fail(this.buf.length, 'no <log> element: this is not an XES file');
    return this.builder.build();
  }

  private nameOf(level: number): string {
    const code = this.stack[level] ?? 0;
    const names = ['?', 'log', 'trace', 'event', 'string', 'date', 'int', 'float', 'boolean', 'id', 'list', 'container', 'global', 'values'];
    return code === E_OTHER ? (this.otherNames[level] ?? '?') : (names[code] ?? '?');
  }

  fail(pos: number, message: string): never {
    const { line, column } = this.lines.locate(this.buf, pos);
    throw new GovflowError('GOVFLOW_ERR_LOG_PARSE', `${this.where}:${line}:${column}: ${message}`, [{ where: this.where, line, column, message }]);
  }

  /** Processes complete constructs; returns how many bytes were consumed. */
  private scan(final: boolean): number {
    const buf = this.buf;
    const len = buf.length;
    let pos = 0;
    for (;;) {
      // Between tags there are a few bytes of indentation: a JS loop beats a native indexOf call here.
      let lt = pos;
      while (lt < len && buf[lt] !== LT) lt++;
      if (lt >= len) lt = -1;
      if (lt < 0) {
        this.checkText(pos, len);
        return len;
      }
      if (lt > pos) this.checkText(pos, lt);
      if (lt + 1 >= len) return final ? this.fail(lt, 'the file ends inside a tag') : lt;
      const c = buf[lt + 1];
      if (c === 0x21) {
        // <!-- comment -->, <![CDATA[ ]]>, <!DOCTYPE >
        let end: number;
        if (buf[lt + 2] === 0x2d && buf[lt + 3] === 0x2d) {
          end = buf.indexOf('-->', lt + 4, 'latin1');
          if (end < 0) return final ? this.fail(lt, 'a comment is not closed (missing -->)') : lt;
          pos = end + 3;
        } else if (buf[lt + 2] === 0x5b) {
          end = buf.indexOf(']]>', lt + 2, 'latin1');
          if (end < 0) return final ? this.fail(lt, 'a CDATA section is not closed') : lt;
          pos = end + 3;
        } else {
          end = buf.indexOf(GT, lt + 2);
          if (end < 0) return final ? this.fail(lt, 'a declaration is not closed') : lt;
          pos = end + 1;
        }
        continue;
      }
      if (c === 0x3f) {
        const end = buf.indexOf('?>', lt + 2, 'latin1');
        if (end < 0) return final ? this.fail(lt, 'a processing instruction is not closed (missing ?>)') : lt;
        pos = end + 2;
        continue;
      }
      if (c === SLASH) {
        let gt = lt + 2;
        while (gt < len && buf[gt] !== GT) gt++;
        if (gt >= len) return final ? this.fail(lt, 'a closing tag is not finished (missing >)') : lt;
        let ne = gt;
        while (ne > lt + 2 && isSpace(buf[ne - 1] ?? 0)) ne--;
        for (let i = lt + 2; i < ne; i++) if (!isNameChar(buf[i] ?? 0)) this.fail(i, 'a closing tag has an invalid name');
        this.close(lt, lt + 2, ne);
        pos = gt + 1;
        continue;
      }
      const end = this.openTag(lt, final);
      if (end < 0) return lt;
      pos = end;
    }
  }

  private checkText(from: number, to: number): void {
    // XES elements carry no text; anything but whitespace outside the root is a broken file.
    if (this.depth > 0) return;
    for (let i = from; i < to; i++) {
      if (!isSpace(this.buf[i] ?? 0) && !(i === 0 && this.lines.bufferStart === 0 && this.buf[0] === 0xef)) {
        if (i < 3 && this.lines.bufferStart === 0 && (this.buf[i] === 0xbb || this.buf[i] === 0xbf)) continue;
        this.fail(i, this.rootClosed ? 'text after the end of the log' : 'text before the <log> element: this is not an XML file');
      }
    }
  }

  /** Parses `<name attr="v" …>` at `lt`; returns the position after it, or -1 if the chunk ends inside it. */
  private openTag(lt: number, final: boolean): number {
    const buf = this.buf;
    const len = buf.length;
    let p = lt + 1;
    const ns = p;
    while (p < len && isNameChar(buf[p] ?? 0)) p++;
    if (p >= len) return final ? this.fail(lt, 'the file ends inside a tag') : -1;
    const ne = p;
    if (ne === ns) this.fail(p, `'<' must start a tag name, found '${String.fromCharCode(buf[p] ?? 32)}'`);
    const fast = this.fastAttributeTag(lt, ns, ne);
    if (fast > 0) return fast;
    this.attrCount = 0;
    for (;;) {
      while (p < len && isSpace(buf[p] ?? 0)) p++;
      if (p >= len) return final ? this.fail(lt, 'the file ends inside a tag') : -1;
      const c = buf[p];
      if (c === GT) {
        this.open(lt, ns, ne, false);
        return p + 1;
      }
      if (c === SLASH) {
        if (p + 1 >= len) return final ? this.fail(lt, 'the file ends inside a tag') : -1;
        if (buf[p + 1] !== GT) this.fail(p, "expected '>' after '/'");
        this.open(lt, ns, ne, true);
        return p + 2;
      }
      const ks = p;
      while (p < len && isNameChar(buf[p] ?? 0)) p++;
      if (p >= len) return final ? this.fail(lt, 'the file ends inside a tag') : -1;
      if (p === ks) this.fail(p, `unexpected '${String.fromCharCode(buf[p] ?? 32)}' in a tag`);
      const ke = p;
      while (p < len && isSpace(buf[p] ?? 0)) p++;
      if (p >= len) return final ? this.fail(lt, 'the file ends inside a tag') : -1;
      if (buf[p] !== EQ) this.fail(p, `attribute '${buf.toString('utf8', ks, ke)}' has no '=' and value`);
      p++;
      while (p < len && isSpace(buf[p] ?? 0)) p++;
      if (p >= len) return final ? this.fail(lt, 'the file ends inside a tag') : -1;
      const q = buf[p];
      if (q !== QUOT && q !== APOS) this.fail(p, `the value of attribute '${buf.toString('utf8', ks, ke)}' must be quoted`);
      const vs = p + 1;
      let ve = vs;
      let c2 = 0;
      while (ve < len && (c2 = buf[ve] ?? 0) !== q) {
        if (c2 === LT) this.fail(ve, "'<' is not allowed in an attribute value");
        ve++;
      }
      if (ve >= len) return final ? this.fail(p, 'an attribute value is not closed (missing quote)') : -1;
      if (this.attrCount < 64) {
        const i = this.attrCount++;
        this.attrKs[i] = ks;
        this.attrKe[i] = ke;
        this.attrVs[i] = vs;
        this.attrVe[i] = ve;
      }
      p = ve + 1;
      const after = buf[p];
      if (p < len && !isSpace(after ?? 0) && after !== GT && after !== SLASH) this.fail(p, 'attributes must be separated by spaces');
    }
  }

  /**
   * The shape of nearly every XES line, `<string key="k" value="v"/>`, recognised without the general attribute
   * loop. Returns the position after the tag, or 0 to let the general parser handle (and diagnose) it.
   */
  private fastAttributeTag(lt: number, ns: number, ne: number): number {
    const buf = this.buf;
    const len = buf.length;
    if (
      ne + 6 >= len ||
      buf[ne] !== 0x20 ||
      buf[ne + 1] !== 0x6b ||
      buf[ne + 2] !== 0x65 ||
      buf[ne + 3] !== 0x79 ||
      buf[ne + 4] !== EQ ||
      buf[ne + 5] !== QUOT
    ) {
      return 0;
    }
    const ks = ne + 6;
    // The five keys that matter are recognised in place (bytes then the closing quote), saving a scan and a compare.
    let keyId = K_ID_OTHER;
    let ke = ks;
    let c = 0;
    for (let k = 1; k < KNOWN_KEYS.length; k++) {
      const known = KNOWN_KEYS[k] ?? K_CONCEPT_NAME;
      const end = ks + known.length;
      if (end < len && buf[end] === QUOT && buf[ks] === known[0] && eq(buf, ks, end, known)) {
        keyId = k;
        ke = end;
        c = QUOT;
        break;
      }
    }
    if (keyId === K_ID_OTHER) {
      while (ke < len && (c = buf[ke] ?? 0) !== QUOT && c !== LT) ke++;
    }
    if (c !== QUOT || ke + 8 >= len) return 0;
    if (
      buf[ke + 1] !== 0x20 ||
      buf[ke + 2] !== 0x76 ||
      buf[ke + 3] !== 0x61 ||
      buf[ke + 4] !== 0x6c ||
      buf[ke + 5] !== 0x75 ||
      buf[ke + 6] !== 0x65 ||
      buf[ke + 7] !== EQ ||
      buf[ke + 8] !== QUOT
    ) {
      return 0;
    }
    const vs = ke + 9;
    let ve = vs;
    // The value's hash is computed while looking for its closing quote, so interning needs no second pass.
    let h = 0x811c9dc5;
    while (ve < len && (c = buf[ve] ?? 0) !== QUOT && c !== LT) {
      h = Math.imul(h ^ c, 0x01000193);
      ve++;
    }
    if (c !== QUOT || ve + 2 >= len) return 0;
    this.fastHash = h;
    this.fastKeyId = keyId;
    let selfClosing: boolean;
    let end: number;
    if (buf[ve + 1] === SLASH && buf[ve + 2] === GT) {
      selfClosing = true;
      end = ve + 3;
    } else if (buf[ve + 1] === GT) {
      selfClosing = false;
      end = ve + 2;
    } else return 0;
    this.attrCount = 2;
    this.fastKeyValue = true;
    this.attrKs[0] = ne + 1;
    this.attrKe[0] = ne + 4;
    this.attrVs[0] = ks;
    this.attrVe[0] = ke;
    this.attrKs[1] = ke + 2;
    this.attrKe[1] = ke + 7;
    this.attrVs[1] = vs;
    this.attrVe[1] = ve;
    this.open(lt, ns, ne, selfClosing);
    this.fastKeyValue = false;
    return end;
  }

  private attr(name: Uint8Array): number {
    if (this.fastKeyValue) return name === A_KEY ? 0 : name === A_VALUE ? 1 : -1;
    // Fast path: key and value are usually the first two attributes.
    if (name === A_KEY && this.attrCount >= 1 && eq(this.buf, this.attrKs[0] ?? 0, this.attrKe[0] ?? 0, A_KEY)) return 0;
    if (name === A_VALUE && this.attrCount >= 2 && eq(this.buf, this.attrKs[1] ?? 0, this.attrKe[1] ?? 0, A_VALUE)) return 1;
    for (let i = 0; i < this.attrCount; i++) {
      if (eq(this.buf, this.attrKs[i] ?? 0, this.attrKe[i] ?? 0, name)) return i;
    }
    return -1;
  }

  private readonly activities = new ByteInterner();
  private readonly resources = new ByteInterner();
  private readonly groups = new ByteInterner();

  /** Id of attribute value `i`, decoding it to a string only the first time these bytes are seen. */
  private intern(table: ByteInterner, i: number, dictionary: 0 | 1 | 2): number {
    const s = this.attrVs[i] ?? 0;
    const e = this.attrVe[i] ?? 0;
    const h = this.fastKeyValue && i === 1 ? this.fastHash : ByteInterner.hash(this.buf, s, e);
    const found = table.get(this.buf, s, e, h);
    if (found >= 0) return found;
    // A dictionary number, not a callback: a closure per event would be garbage on the hottest path.
    const text = this.text(i);
    const id = dictionary === 0 ? this.builder.activityId(text) : dictionary === 1 ? this.builder.resourceId(text) : this.builder.groupId(text);
    table.set(this.buf, s, e, id, h);
    return id;
  }

  private text(i: number): string {
    const s = this.attrVs[i] ?? 0;
    const e = this.attrVe[i] ?? 0;
    const raw = this.buf.toString('utf8', s, e);
    let amp = false;
    for (let i = s; i < e; i++) {
      if (this.buf[i] === AMP) {
        amp = true;
        break;
      }
    }
    if (!amp) return raw;
    const decoded = decodeEntities(raw);
    if (decoded === undefined) this.fail(s, `invalid entity reference in '${raw}'`);
    return decoded;
  }

  private open(lt: number, ns: number, ne: number, selfClosing: boolean): void {
    const buf = this.buf;
    const code = elementCode(buf, ns, ne);
    const depth = this.depth;
    if (depth === 0) {
      if (this.rootClosed) this.fail(lt, 'a second root element after </log>');
      if (code !== E_LOG) this.fail(lt, `the root element is <${buf.toString('utf8', ns, ne)}>, expected <log>: this is not an XES file`);
      this.sawRoot = true;
    }
    if (code === E_TRACE) {
      if (this.traceDepth >= 0) this.fail(lt, '<trace> inside another <trace>');
      if (depth !== 1) this.fail(lt, '<trace> must be a child of <log>');
      this.traceDepth = depth;
      this.traceEvents = 0;
      this.traceName = undefined;
      this.traceAttrs = undefined;
      this.traceStartPos = this.builder.eventsSoFar;
      this.traceBad = 0;
    } else if (code === E_EVENT) {
      if (this.eventDepth >= 0) this.fail(lt, '<event> inside another <event>');
      this.eventDepth = depth;
      this.evActivity = -1;
      this.evTs = NaN;
      this.evRes = -1;
      this.evGrp = -1;
      this.evLife = LIFECYCLE_COMPLETE;
      this.evProblem = undefined;
    } else if (code >= E_STRING && code <= E_BOOLEAN) {
      this.attribute(code, depth);
    }
    if (selfClosing) {
      this.afterClose(lt, code);
      return;
    }
    if (depth >= this.stack.length) this.fail(lt, 'elements are nested too deeply');
    this.stack[depth] = code;
    this.otherNames[depth] = code === E_OTHER ? buf.toString('utf8', ns, ne) : undefined;
    this.depth = depth + 1;
  }

  private close(lt: number, ns: number, ne: number): void {
    if (this.depth === 0) this.fail(lt, `closing tag </${this.buf.toString('utf8', ns, ne)}> without an open element`);
    const top = this.depth - 1;
    const code = elementCode(this.buf, ns, ne);
    const expected = this.stack[top] ?? 0;
    if (code !== expected || (code === E_OTHER && this.otherNames[top] !== this.buf.toString('utf8', ns, ne))) {
      this.fail(lt, `expected </${this.nameOf(top)}> but found </${this.buf.toString('utf8', ns, ne)}>`);
    }
    this.depth = top;
    this.afterClose(lt, code);
  }

  private afterClose(lt: number, code: number): void {
    if (code === E_EVENT && this.eventDepth === this.depth) {
      this.eventDepth = -1;
      this.endEvent(lt);
    } else if (code === E_TRACE && this.traceDepth === this.depth) {
      this.traceDepth = -1;
      this.endTrace(lt);
    } else if (code === E_LOG && this.depth === 0) {
      this.rootClosed = true;
    }
  }

  private problem(pos: number, message: string): void {
    if (this.evProblem === undefined) {
      this.evProblem = message;
      this.evProblemLoc = this.lines.locate(this.buf, pos);
    }
  }

  private attribute(code: number, depth: number): void {
    const ki = this.attr(A_KEY);
    if (ki < 0) {
      // Lenient on real-world files: an attribute without a key carries nothing we could use.
      return;
    }
    const vi = this.attr(A_VALUE);
    const buf = this.buf;
    const keyS = this.attrVs[ki] ?? 0;
    const keyE = this.attrVe[ki] ?? 0;
    if (this.eventDepth >= 0 && depth === this.eventDepth + 1) {
      if (vi < 0) return;
      let keyId = this.fastKeyId;
      if (!this.fastKeyValue) {
        const klen = keyE - keyS;
        // Only five keys matter on events; their lengths (12, 14, 12, 9, 20) rule out every other key at once.
        if (klen !== 12 && klen !== 14 && klen !== 9 && klen !== 20) return;
        keyId = K_ID_OTHER;
        for (let k = 1; k < KNOWN_KEYS.length && keyId === K_ID_OTHER; k++) if (eq(buf, keyS, keyE, KNOWN_KEYS[k] ?? K_CONCEPT_NAME)) keyId = k;
      }
      if (keyId === K_ID_CONCEPT_NAME) {
        this.evActivity = this.intern(this.activities, vi, 0);
      } else if (keyId === K_ID_TIMESTAMP) {
        const vs = this.attrVs[vi] ?? 0;
        const ve = this.attrVe[vi] ?? 0;
        const ms = parseTimestampBytes(buf, vs, ve);
        if (Number.isNaN(ms) || code !== E_DATE) {
          this.problem(vs, `unparseable timestamp '${buf.toString('utf8', vs, ve)}' (expected ISO 8601, e.g. 2011-03-29T10:00:00+01:00)`);
          return;
        }
        const mode = lastHadZone ? 1 : 2;
        if (this.zoneMode === 0) this.zoneMode = mode;
        else if (this.zoneMode !== mode) {
          this.problem(
            vs,
            `timestamp '${buf.toString('utf8', vs, ve)}' ${mode === 1 ? 'has a time zone but earlier ones have none' : 'has no time zone but earlier ones have one'} (mixed zones)`,
          );
          return;
        }
        this.evTs = this.wallClock ? ms + lastOffsetMs : ms;
      } else if (keyId === K_ID_RESOURCE) {
        this.evRes = this.intern(this.resources, vi, 1);
      } else if (keyId === K_ID_GROUP) {
        this.evGrp = this.intern(this.groups, vi, 2);
      } else if (keyId === K_ID_LIFECYCLE) {
        const vs = this.attrVs[vi] ?? 0;
        const ve = this.attrVe[vi] ?? 0;
        // complete and start (any case) are decided from the bytes; rarer values are decoded.
        const n = ve - vs;
        if (n === 8 && ((buf[vs] ?? 0) | 0x20) === 0x63 && eqIgnoreCase(buf, vs, ve, K_COMPLETE)) this.evLife = LIFECYCLE_COMPLETE;
        else if (n === 5 && ((buf[vs] ?? 0) | 0x20) === 0x73 && eqIgnoreCase(buf, vs, ve, K_START)) this.evLife = LIFECYCLE_START;
        else this.evLife = lifecycleCode(this.text(vi));
      }
      return;
    }
    if (this.traceDepth >= 0 && this.eventDepth < 0 && depth === this.traceDepth + 1) {
      if (vi < 0) return;
      const key = buf.toString('utf8', keyS, keyE);
      const raw = this.text(vi);
      if (key === 'concept:name') {
        this.traceName = raw;
        return;
      }
      let value: AttributeValue = raw;
      if (code === E_DATE) {
        const ms = parseTimestampBytes(buf, this.attrVs[vi] ?? 0, this.attrVe[vi] ?? 0);
        if (!Number.isNaN(ms)) value = this.wallClock ? ms + lastOffsetMs : ms;
      } else if (code === E_INT || code === E_FLOAT) {
        const n = Number(raw);
        if (!Number.isNaN(n)) value = n;
      } else if (code === E_BOOLEAN) {
        value = raw === 'true';
      }
      (this.traceAttrs ??= new Map()).set(key, value);
    }
  }

  private endEvent(lt: number): void {
    if (this.traceDepth < 0) return; // events outside traces are not part of any case
    if (this.evProblem === undefined && this.evActivity < 0) this.problem(lt, 'an event has no concept:name (activity)');
    if (this.evProblem !== undefined) {
      const loc = this.evProblemLoc ?? { line: 0, column: 0 };
      if (!this.lenient) {
        throw new GovflowError('GOVFLOW_ERR_LOG_PARSE', `${this.where}:${loc.line}:${loc.column}: ${this.evProblem}`, [
          { where: this.where, line: loc.line, column: loc.column, message: this.evProblem },
        ]);
      }
      this.builder.skip(`line ${loc.line}, column ${loc.column}: ${this.evProblem}`);
      this.traceBad++;
      return;
    }
    this.builder.addEvent(this.evActivity, this.evTs, this.evRes, this.evGrp, this.evLife);
    this.traceEvents++;
  }

  private endTrace(lt: number): void {
    if (this.traceEvents === 0) {
      if (!this.lenient) this.fail(lt, `trace ${this.traceName ? `'${this.traceName}' ` : ''}has no events (empty trace)`);
      const { line, column } = this.lines.locate(this.buf, lt);
      this.builder.skip(`line ${line}, column ${column}: empty trace${this.traceName ? ` '${this.traceName}'` : ''}`, 1, 0);
      this.builder.truncate(this.traceStartPos);
      return;
    }
    this.builder.endCase(this.traceName ?? String(this.builder.caseIds.length), this.traceAttrs);
  }
}
