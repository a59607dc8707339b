// node's test runner over the files given, in the order given: `node --test` sorts its files by path, which would
// undo run-tests.mjs's longest-first order. Same reporter (spec), same closing summary, exit code 1 on a failure.
import { writeFileSync } from 'node:fs';
import { basename, sep } from 'node:path';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const files = process.argv.slice(2);
// No forceExit: on Node 20 it exits a file's process before its last results reach the runner (suites went missing
// from the summary). A file held open after its tests is ended by scripts/test-exit-guard.mjs instead, which
// run-tests.mjs loads into this process and node's runner passes on to each file's.
// Three files at a time on the 2-core reference machine: a file spends much of its time waiting (on PostgreSQL, the
// browser, its server's timers), so a third keeps both cores busy. Measured on a clean clone: 1,085 s of runner time
// with three (and another session's tests beside it) against about 1,990 s with two.
const stream = run({ files, concurrency: Number(process.env.GOVFLOW_TEST_CONCURRENCY ?? 3) });
stream.on('test:fail', () => {
  process.exitCode = 1;
});

// Each file's time (GOVFLOW_TEST_DURATIONS names a JSON file): the durations of its top-level tests and suites, hooks
// inside them included, as its subprocess reported them (the runner reports a file's events only once the files
// before it are reported, so arrival times would not do). run-tests.mjs's longest-first list is kept from it.
const durationsFile = process.env.GOVFLOW_TEST_DURATIONS;
if (durationsFile) {
  const seconds = new Map();
  // A suite declared by a shared helper (describeEachBackend in test/support) reports the helper as its file: it is
  // named by its title instead, which says which file it is.
  const note = (event) => {
    if (event?.nesting !== 0 || typeof event.file !== 'string' || event.name === event.file) return;
    const where = event.file.includes(`${sep}test${sep}support${sep}`) ? `${event.name} (${basename(event.file)})` : event.file;
    seconds.set(where, (seconds.get(where) ?? 0) + (event.details?.duration_ms ?? 0) / 1000);
  };
  stream.on('test:pass', note);
  stream.on('test:fail', note);
  stream.on('end', () => {
    const rows = [...seconds].map(([file, s]) => ({ file, seconds: Math.round(s * 10) / 10 })).sort((a, b) => b.seconds - a.seconds);
    writeFileSync(durationsFile, `${JSON.stringify(rows, null, 1)}\n`);
  });
}
stream.compose(spec).pipe(process.stdout);
