// Loaded into every test file's process (run-tests.mjs starts the runner with it, and node's runner passes its own
// --import flags to the files it starts): once a file's tests are over, a process still held open by something a
// test left behind (a failed before() that never closed its database) exits 10 s later instead of keeping the whole
// run waiting. It replaces run()'s forceExit, which on Node 20 exits before the file's last results are written to the
// runner: whole suites went missing from the summary (118 tests ran, 100–110 were counted, 4 runs in 7).
// The timer is unref'd, so a file that ends normally is not held up by it.
if (process.env.NODE_TEST_CONTEXT?.startsWith('child')) {
  const { after } = await import('node:test');
  after(() => {
    setTimeout(() => {
      process.stderr.write(`test-exit-guard: ${process.argv[1] ?? 'a test file'} was still held open 10 s after its tests ended; exiting\n`);
      process.exit();
    }, 10_000).unref();
  });
}
