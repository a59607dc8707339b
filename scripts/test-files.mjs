// node's test runner over the files given, in the order given: `node --test` sorts its files by path, which would
// undo run-tests.mjs's longest-first order. Same reporter (spec), same closing summary, exit code 1 on a failure.
import { writeFileSync } from 'node:fs';
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const files = process.argv.slice(2);
// forceExit: a file whose tests are over ends even if something it opened is still open (a failed before() that left a
// database open kept a whole CI run waiting); its tests' results stand as reported.
const stream = run({ files, concurrency: Number(process.env.GOVFLOW_TEST_CONCURRENCY ?? 2), forceExit: true });
stream.on('test:fail', () => {
  process.exitCode = 1;
});

// Each file's time (GOVFLOW_TEST_DURATIONS names a JSON file): the durations of its top-level tests and suites, hooks
// inside them included, as its subprocess reported them (the runner reports a file's events only once the files
// before it are reported, so arrival times would not do). run-tests.mjs's longest-first list is kept from it.
const durationsFile = process.env.GOVFLOW_TEST_DURATIONS;
if (durationsFile) {
  const seconds = new Map();
  const note = (event) => {
    if (event?.nesting !== 0 || typeof event.file !== 'string' || event.name === event.file) return;
    seconds.set(event.file, (seconds.get(event.file) ?? 0) + (event.details?.duration_ms ?? 0) / 1000);
  };
  stream.on('test:pass', note);
  stream.on('test:fail', note);
  stream.on('end', () => {
    const rows = [...seconds].map(([file, s]) => ({ file, seconds: Math.round(s * 10) / 10 })).sort((a, b) => b.seconds - a.seconds);
    writeFileSync(durationsFile, `${JSON.stringify(rows, null, 1)}\n`);
  });
}
stream.compose(spec).pipe(process.stdout);
