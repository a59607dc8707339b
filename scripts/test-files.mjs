// node's test runner over the files given, in the order given: `node --test` sorts its files by path, which would
// undo run-tests.mjs's longest-first order. Same reporter (spec), same closing summary, exit code 1 on a failure.
import { run } from 'node:test';
import { spec } from 'node:test/reporters';

const files = process.argv.slice(2);
// forceExit: a file whose tests are over ends even if something it opened is still open (a failed before() that left a
// database open kept a whole CI run waiting); its tests' results stand as reported.
const stream = run({ files, concurrency: Number(process.env.GOVFLOW_TEST_CONCURRENCY ?? 2), forceExit: true });
stream.on('test:fail', () => {
  process.exitCode = 1;
});
stream.compose(spec).pipe(process.stdout);
