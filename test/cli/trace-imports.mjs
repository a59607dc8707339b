// `node --import ./trace-imports.mjs …`: registers itself as a module-loading hook that appends the URL of every
// module loaded (ES modules, and CommonJS reached through import) to the file named by GOVFLOW_IMPORT_TRACE.
import { appendFileSync } from 'node:fs';
import { register } from 'node:module';
import { isMainThread } from 'node:worker_threads';

// The hooks run on a thread of their own, which loads this file again: register only from the main thread.
if (isMainThread) register(import.meta.url);

export async function load(url, context, nextLoad) {
  if (process.env.GOVFLOW_IMPORT_TRACE) appendFileSync(process.env.GOVFLOW_IMPORT_TRACE, `${url}\n`);
  return nextLoad(url, context);
}
