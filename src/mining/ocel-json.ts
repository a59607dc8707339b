/**
 * OCEL 2.0 JSON, read as a stream: the file goes through a streaming tokenizer chunk by chunk and each object, event
 * and type is built as soon as it closes, so a large extract never sits in memory as one string (nor as one parsed
 * JSON tree beside the log). Errors name the line and column: of the bad token for broken JSON, of the element's
 * `id` (or its opening brace) for an element that is valid JSON but not valid OCEL.
 */
import { createRequire } from 'node:module';
import type * as StreamParserModule from '@streamparser/json';
import type { ParsedElementInfo, ParsedTokenInfo, TokenType } from '@streamparser/json';
import { GovflowError } from '../kernel/index.js';
import type { OcelEvent, OcelLog, OcelObject, OcelRelationship, OcelType, OcelValue } from './ocel.js';
import { parseTimestamp } from './timestamp.js';

/** A byte position with the line it is on; the column is worked out only when an error needs it. */
interface Mark {
  readonly line: number;
  readonly lineStart: number;
  readonly at: number;
  readonly chunk: Uint8Array;
  readonly chunkStart: number;
}

const ARRAYS = ['objectTypes', 'eventTypes', 'objects', 'events'] as const;
type ArrayKey = (typeof ARRAYS)[number];

function isArrayKey(key: string): key is ArrayKey {
  return (ARRAYS as readonly string[]).includes(key);
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

type StreamParser = typeof StreamParserModule;
/** The tokenizer is required with the first OCEL JSON file, so importing the mining module (`govflow mine`) stays cheap. */
let streamParser: StreamParser | undefined;
/** The token kinds' values, set with the tokenizer. */
let TT: typeof TokenType;
function loadStreamParser(): StreamParser {
  if (!streamParser) {
    streamParser = createRequire(import.meta.url)('@streamparser/json') as StreamParser;
    TT = streamParser.TokenType;
  }
  return streamParser;
}

/** Incremental OCEL 2.0 JSON reader: `write` each chunk, then `end` for the log. */
export class OcelJsonReader {
  private readonly tokenizer = new (loadStreamParser().Tokenizer)();
  // '$.*.*' emits each element of each top-level member as it closes; keepStack:false drops it from its array.
  private readonly parser = new (loadStreamParser().TokenParser)({ paths: ['$.*.*'], keepStack: false });
  private readonly objectTypes: OcelType[] = [];
  private readonly eventTypes: OcelType[] = [];
  private readonly objects: OcelObject[] = [];
  private readonly events: OcelEvent[] = [];
  /** Top-level members that are arrays (the others are ignored, as extensions). */
  private readonly arrays = new Set<string>();
  /** '{' or '[' per open container; keys[d] is the key being read in the object at depth d. */
  private readonly containers: number[] = [];
  private readonly keys: string[] = [];
  private awaitingKey = false;
  private rootSeen = false;
  private element: Mark | undefined;
  private idMark: Mark | undefined;
  private tokenAt = 0;
  // Line counting over the stream, forward only.
  private chunk: Uint8Array = new Uint8Array(0);
  private chunkStart = 0;
  private line = 1;
  private lineStart = 0;
  private scanned = 0;
  /** Stream offsets of the latest line starts (the last is lineStart): an error found late can still name its line. */
  private readonly recentLineStarts: number[] = [];

  constructor(private readonly where = 'input.jsonocel') {
    this.tokenizer.onToken = (token) => this.onToken(token);
    // The parser ends by itself once the root value closes; only a stream cut short still needs telling.
    this.tokenizer.onEnd = () => {
      if (!this.parser.isEnded) this.parser.end();
    };
    this.parser.onValue = (info) => this.onValue(info);
  }

  write(chunk: Uint8Array): void {
    this.chunk = chunk;
    try {
      this.tokenizer.write(chunk);
    } catch (error) {
      throw this.asParseError(error);
    }
    this.mark(this.chunkStart + chunk.length);
    this.chunkStart += chunk.length;
  }

  end(): OcelLog {
    try {
      this.tokenizer.end();
    } catch (error) {
      throw this.asParseError(error, this.chunkStart);
    }
    if (!this.rootSeen) throw this.fail(this.mark(this.chunkStart), 'invalid JSON: the file is empty');
    if (!this.arrays.has('events')) throw this.fail(this.rootMark(), "missing 'events' array: not an OCEL 2.0 file");
    return { objectTypes: this.objectTypes, eventTypes: this.eventTypes, objects: this.objects, events: this.events };
  }

  private rootMark(): Mark {
    return { line: 1, lineStart: 0, at: 0, chunk: new Uint8Array(0), chunkStart: 0 };
  }

  /** Advances the line count to byte `at` of the stream (within the current chunk) and returns its mark. */
  private mark(at: number): Mark {
    const chunk = this.chunk;
    const buf = Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    const to = at - this.chunkStart;
    let i = buf.indexOf(10, Math.max(0, this.scanned - this.chunkStart));
    while (i >= 0 && i < to) {
      this.line++;
      this.lineStart = this.chunkStart + i + 1;
      this.recentLineStarts.push(this.lineStart);
      if (this.recentLineStarts.length > 256) this.recentLineStarts.shift();
      i = buf.indexOf(10, i + 1);
    }
    this.scanned = Math.max(this.scanned, at);
    return { line: this.line, lineStart: this.lineStart, at, chunk, chunkStart: this.chunkStart };
  }

  /**
   * The mark of a byte the line count has already passed. The parser reports a token where it starts, which can be
   * in an earlier chunk than the one being read when the error is found (a string cut between two chunks): the
   * same file must get the same line and column however it arrives.
   */
  private markBehind(at: number): Mark | undefined {
    if (at >= this.scanned) return undefined;
    const starts = this.recentLineStarts;
    let after = 0;
    for (let k = starts.length - 1; k >= 0; k--, after++) {
      if (starts[k]! <= at) return { line: this.line - after, lineStart: starts[k]!, at, chunk: this.chunk, chunkStart: this.chunkStart };
    }
    // Before the first line start kept: line 1 when no newline was ever passed, otherwise unknown (the count moves on).
    return this.line - after === 1 ? { line: 1, lineStart: 0, at, chunk: this.chunk, chunkStart: this.chunkStart } : undefined;
  }

  private fail(mark: Mark, message: string): GovflowError {
    // Columns count characters, so a name with accents before the error does not shift it; a line that began in an
    // earlier chunk is counted in bytes (its start is gone), which is exact for ASCII.
    const { line, lineStart, at, chunk, chunkStart } = mark;
    const chars =
      lineStart >= chunkStart
        ? Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength).toString('utf8', lineStart - chunkStart, Math.max(lineStart, at) - chunkStart).length
        : at - lineStart;
    const column = Math.max(0, chars) + 1;
    return new GovflowError('GOVFLOW_ERR_LOG_PARSE', `${this.where}:${line}:${column}: ${message}`, [{ where: this.where, line, column, message }]);
  }

  private asParseError(error: unknown, fallbackAt = this.tokenAt): GovflowError {
    if (error instanceof GovflowError) return error;
    const message = error instanceof Error ? error.message : String(error);
    const position = /absolute position "(\d+)"/.exec(message);
    const at = position ? Number(position[1]) : fallbackAt;
    const unexpected = /^Unexpected (?:"(.)"|\w+ \((.*)\))/.exec(message);
    const what = unexpected ? `unexpected ${unexpected[1] !== undefined ? `'${unexpected[1]}'` : (unexpected[2] ?? '')}` : message.includes('ended') ? 'unexpected end of input' : message;
    return this.fail(this.markBehind(at) ?? this.mark(Math.max(at, this.scanned)), `invalid JSON: ${what}`);
  }

  /** Follows the document's shape to know where each value sits before handing the token to the parser. */
  private onToken(token: ParsedTokenInfo): void {
    this.tokenAt = token.offset;
    const kind = token.token;
    const depth = this.containers.length;
    const inObject = this.containers[depth - 1] === TT.LEFT_BRACE;
    if (kind === TT.COMMA) {
      if (inObject) this.awaitingKey = true;
    } else if (kind === TT.RIGHT_BRACE || kind === TT.RIGHT_BRACKET) {
      this.containers.pop();
      this.awaitingKey = false;
    } else if (kind !== TT.COLON && kind !== TT.SEPARATOR) {
      if (inObject && this.awaitingKey && kind === TT.STRING) {
        this.keys[depth] = String(token.value);
        this.awaitingKey = false;
      } else {
        this.valueStarts(depth, kind, token.offset);
        if (kind === TT.LEFT_BRACE || kind === TT.LEFT_BRACKET) {
          this.containers.push(kind);
          this.awaitingKey = kind === TT.LEFT_BRACE;
        }
      }
    }
    this.parser.write(token);
  }

  private valueStarts(depth: number, kind: TokenType, at: number): void {
    if (depth === 0) {
      if (this.rootSeen) return; // a second document: the parser reports it
      this.rootSeen = true;
      if (kind !== TT.LEFT_BRACE) throw this.fail(this.mark(at), 'an OCEL 2.0 file is a JSON object with objectTypes, eventTypes, objects and events');
    } else if (depth === 1) {
      const key = this.keys[1] ?? '';
      if (kind === TT.LEFT_BRACKET) this.arrays.add(key);
      else {
        this.arrays.delete(key);
        if (isArrayKey(key)) throw this.fail(this.mark(at), `'${key}' must be an array`);
      }
    } else if (depth === 2) {
      this.element = this.mark(at);
      this.idMark = undefined;
    } else if (depth === 3 && this.keys[3] === 'id') {
      this.idMark = this.mark(at);
    }
  }

  private onValue(info: ParsedElementInfo): void {
    const key = info.stack[1]?.key;
    if (info.stack.length !== 2 || typeof key !== 'string' || !this.arrays.has(key) || !isArrayKey(key)) return;
    const at = this.idMark ?? this.element ?? this.rootMark();
    const fail = (message: string): never => {
      throw this.fail(at, message);
    };
    const v: unknown = info.value;
    if (key === 'objectTypes' || key === 'eventTypes') {
      if (!isRecord(v) || typeof v['name'] !== 'string') return fail(`every entry of '${key}' needs a name`);
      const attributes = Array.isArray(v['attributes']) ? v['attributes'] : [];
      (key === 'objectTypes' ? this.objectTypes : this.eventTypes).push({
        name: v['name'],
        attributes: attributes.filter(isRecord).map((a) => ({ name: String(a['name'] ?? ''), type: String(a['type'] ?? 'string') })),
      });
    } else if (key === 'objects') {
      if (!isRecord(v) || typeof v['id'] !== 'string' || typeof v['type'] !== 'string') return fail('an object needs a string id and type');
      const id = v['id'];
      const attributes = (Array.isArray(v['attributes']) ? v['attributes'] : []).filter(isRecord).map((a) => {
        const time = parseTimestamp(String(a['time'] ?? '1970-01-01T00:00:00Z'));
        if (Number.isNaN(time)) fail(`object ${id}: unparseable attribute time '${String(a['time'])}'`);
        return { name: String(a['name'] ?? ''), value: ocelValue(a['value']), time };
      });
      this.objects.push({ id, type: v['type'], attributes, relationships: relationships(v['relationships']) });
    } else {
      if (!isRecord(v) || typeof v['id'] !== 'string' || typeof v['type'] !== 'string') return fail('an event needs a string id and type');
      const time = parseTimestamp(String(v['time'] ?? ''));
      if (Number.isNaN(time)) fail(`event ${v['id']}: unparseable time '${String(v['time'] ?? '')}'`);
      const attributes = (Array.isArray(v['attributes']) ? v['attributes'] : []).filter(isRecord).map((a) => ({ name: String(a['name'] ?? ''), value: ocelValue(a['value']) }));
      this.events.push({ id: v['id'], type: v['type'], time, attributes, relationships: relationships(v['relationships']) });
    }
  }
}

function ocelValue(v: unknown): OcelValue {
  return typeof v === 'number' || typeof v === 'boolean' ? v : String(v ?? '');
}

function relationships(v: unknown): OcelRelationship[] {
  return (Array.isArray(v) ? v : []).filter(isRecord).map((r) => ({ objectId: String(r['objectId'] ?? ''), qualifier: String(r['qualifier'] ?? '') }));
}

/** OCEL JSON from a stream of chunks (a file through `fileChunks`). */
export async function readOcelJson(chunks: AsyncIterable<Uint8Array>, where = 'input.jsonocel'): Promise<OcelLog> {
  const reader = new OcelJsonReader(where);
  for await (const chunk of chunks) reader.write(chunk);
  return reader.end();
}

/** OCEL JSON from text already in memory (tests, API bodies); the same streaming reader, fed one chunk. */
export function parseOcelJson(text: string, where = 'input.jsonocel'): OcelLog {
  const reader = new OcelJsonReader(where);
  reader.write(Buffer.from(text, 'utf8'));
  return reader.end();
}
