import { execFileSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';

export interface ThrowawayPostgres {
  readonly url: string;
  readonly dir: string;
  /** Restarts the server with the options it was started with (pg_ctl restart). */
  restart(): void;
  /** Stops the server and deletes its files. */
  stop(): void;
}

/** The bin directory of an installed PostgreSQL (15 preferred, else the newest), or undefined. */
export function findPostgresBin(): string | undefined {
  const base = '/usr/lib/postgresql';
  if (!existsSync(base)) return undefined;
  const versions = readdirSync(base).filter((v) => existsSync(path.join(base, v, 'bin', 'pg_ctl'))).sort((a, b) => Number(b) - Number(a));
  const version = versions.includes('15') ? '15' : versions[0];
  return version ? path.join(base, version, 'bin') : undefined;
}

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

/**
 * Starts a PostgreSQL server of its own in a temp dir on a free loopback port (initdb + pg_ctl, as user postgres
 * when running as root), for benchmarks and tests that must not share a server. `settings` become `-c` options;
 * without them the server runs with PostgreSQL's default durability. Returns undefined when no PostgreSQL is installed.
 */
export async function startThrowawayPostgres(options: { bin?: string; settings?: Record<string, string | number>; prefix?: string } = {}): Promise<ThrowawayPostgres | undefined> {
  const bin = options.bin ?? findPostgresBin();
  if (!bin) return undefined;
  const asRoot = process.getuid?.() === 0;
  const dir = mkdtempSync(path.join(os.tmpdir(), options.prefix ?? 'govflow-pg-'));
  chmodSync(dir, 0o777);
  const dataDir = path.join(dir, 'data');
  const port = await freePort();
  const exec = (cmd: string, args: string[]): void => {
    if (asRoot) execFileSync('runuser', ['-u', 'postgres', '--', cmd, ...args], { stdio: ['ignore', 'ignore', 'inherit'] });
    else execFileSync(cmd, args, { stdio: ['ignore', 'ignore', 'inherit'] });
  };
  const settings = Object.entries({ listen_addresses: '127.0.0.1', max_connections: 200, ...options.settings }).map(([k, v]) => `-c ${k}=${v}`).join(' ');
  exec(path.join(bin, 'initdb'), ['-D', dataDir, '-U', 'postgres', '--auth=trust', '--encoding=UTF8', '--no-sync']);
  exec(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-l', path.join(dir, 'server.log'), '-w', '-t', '60', 'start', '-o', `-p ${port} -k ${dir} ${settings}`]);
  return {
    url: `postgres://postgres@127.0.0.1:${port}/postgres`,
    dir,
    restart: () => exec(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-l', path.join(dir, 'server.log'), '-m', 'fast', '-w', '-t', '60', 'restart']),
    stop: () => {
      try {
        exec(path.join(bin, 'pg_ctl'), ['-D', dataDir, '-m', 'fast', 'stop']);
      } catch {
        // already stopped
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
