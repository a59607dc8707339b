// A whole govflow server as `govflow serve` runs it (demo municipality, PGlite in a throwaway data directory) on
// loopback, for the browser tests of the staff pages.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { openGovflow, startServer, type Govflow } from '../../src/cli/index.js';
import { loadConfig } from '../../src/kernel/index.js';

export interface DemoServer {
  readonly govflow: Govflow;
  /** The server's data directory (removed by stop), for files a test needs on disk. */
  readonly dataDir: string;
  readonly running: Awaited<ReturnType<typeof startServer>>;
  stop(): Promise<void>;
}

/** `databaseUrl`: a PostgreSQL database instead of PGlite in the data directory. */
export async function startDemoServer(name: string, options: { databaseUrl?: string | undefined } = {}): Promise<DemoServer> {
  const dataDir = await mkdtemp(path.join(tmpdir(), `govflow-${name}-`));
  process.env['GOVFLOW_LOG_LEVEL'] ??= 'warn';
  const govflow = await openGovflow({ config: { ...loadConfig(), dataDir, port: 0, host: '127.0.0.1', databaseUrl: options.databaseUrl } });
  const running = await startServer(govflow);
  return {
    govflow, running, dataDir,
    async stop() {
      await running.stop();
      await govflow.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
}
