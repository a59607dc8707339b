/**
 * The little of WebAssembly the mining readers and analyses use (csv-fast.ts, pm4py-kernel.ts). TypeScript declares
 * WebAssembly's types only in its DOM library, which the project leaves out, hence these.
 */
export interface WasmGlobal {
  value: number;
}

export interface WasmMemory {
  readonly buffer: ArrayBuffer;
}

interface Wasm {
  readonly Module: new (bytes: Uint8Array) => object;
  readonly Instance: new (module: object, imports: object) => { readonly exports: object };
  readonly Memory: new (descriptor: { initial: number }) => WasmMemory;
}

const wasm = (globalThis as unknown as { WebAssembly: Wasm }).WebAssembly;
const compiled = new Map<string, object>();

/** Bytes left clear after each region of a layout: room for the modules' sixteen-byte loads and eight-byte copies. */
export const REGION_SLACK = 64;

/**
 * Where the named regions of a module's memory start (the module reads them from its globals): each 16-byte aligned
 * and {@link REGION_SLACK} bytes clear of the next, from `next` on; `next` ends past the last.
 */
export class MemoryLayout {
  readonly at: Record<string, number> = {};
  constructor(public next = 0) {}

  take(name: string, bytes: number): void {
    this.at[name] = this.next;
    this.next = (this.next + bytes + REGION_SLACK + 15) & ~15;
  }
}

/** A memory of at least `bytes` bytes (zeroed). */
export function wasmMemory(bytes: number): WasmMemory {
  return new wasm.Memory({ initial: Math.ceil(bytes / 65536) });
}

/** An instance of the module whose bytes are `base64` (compiled once per process), over `memory`. */
export function instantiate<T>(base64: string, memory: WasmMemory): T {
  let module = compiled.get(base64);
  if (!module) {
    module = new wasm.Module(Buffer.from(base64, 'base64'));
    compiled.set(base64, module);
  }
  return new wasm.Instance(module, { env: { memory } }).exports as T;
}

/** Sets each of the instance's exported globals named in `values`. */
export function setGlobals(exports: object, values: Record<string, number>): void {
  for (const [name, value] of Object.entries(values)) (exports as Record<string, WasmGlobal>)[name]!.value = value;
}

/** The value of an exported global. */
export function globalOf(exports: object, name: string): number {
  return (exports as Record<string, WasmGlobal>)[name]!.value;
}

/**
 * Room a module's memory has and no longer uses, offered to the next module that reads columns from it: the
 * analyses' passes (pm4py-kernel.ts) then read a log's columns where the CSV scan left them instead of copying them
 * into a memory of their own. Taken once.
 */
const spares = new WeakMap<ArrayBufferLike, { readonly memory: WasmMemory; readonly from: number; readonly to: number }>();

export function offerSpare(memory: WasmMemory, from: number, to: number): void {
  spares.set(memory.buffer, { memory, from, to });
}

/** The memory holding `buffer` and where its spare room starts, if it has `bytes` of it (then it is taken). */
export function takeSpare(buffer: ArrayBufferLike, bytes: number): { readonly memory: WasmMemory; readonly from: number } | undefined {
  const spare = spares.get(buffer);
  if (!spare || spare.to - spare.from < bytes) return undefined;
  spares.delete(buffer);
  return spare;
}
