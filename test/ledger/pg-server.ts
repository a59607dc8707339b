/** A throwaway PostgreSQL server of the tests' own, so restarting it cannot disturb other test files. */
import { execFileSync } from 'node:child_process';
import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export const pgBin = process.env['GOVFLOW_TEST_PG_BIN'];

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.listen(0, '127.0.0.1', () => {
      const address = srv.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      srv.close(() => resolve(port));
    });
    srv.on('error', reject);
  });
}

export interface OwnServer {
  readonly url: string;
  readonly dir: string;
  restart(): void;
  stop(): void;
}

export async function startOwnServer(): Promise<OwnServer> {
  if (!pgBin) throw new Error('GOVFLOW_TEST_PG_BIN not set');
  const bin = pgBin;
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(os.tmpdir(), 'govflow-ledger-pg-'));
  chmodSync(dir, 0o777);
  const dataDir = path.join(dir, 'data');
  const port = await freePort();
  const exec = (cmd: string, args: string[]): void => {
    const [c, a] = asRoot ? ['runuser', ['-u', 'postgres', '--', cmd, ...args]] : [cmd, args];
    execFileSync(c as string, a as string[], { stdio: ['ignore', 'ignore', 'inherit'] });
  };
  exec(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync']);
  exec(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start',
    '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1 -c fsync=off -c synchronous_commit=off -c full_page_writes=off -c max_connections=100`]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dir,
    // pg_ctl restart reuses the options the server was started with (postmaster.opts).
    restart: () => exec(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-l', path.join(dir, 'server.log'), '-m', 'fast', '-w', '-t', '60', 'restart']),
    stop: () => {
      try {
        exec(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'immediate', 'stop']);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
