import { spawn, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { GovflowError } from '../kernel/index.js';

export interface RunningSimulator {
  readonly url: string;
  /** The simulator's response-signing public key (base64url SPKI), as it announced it on start. */
  readonly publicKey: string;
  readonly process: ChildProcess;
  stop(): Promise<void>;
}

const LAUNCHER = fileURLToPath(new URL('../../bin/agency-simulator.mjs', import.meta.url));

/**
 * Starts the agency simulator as a child process on a free loopback port, trusting `clients` (key id → public
 * key). Reads the one-line JSON announcement to learn its URL and public key.
 */
export function startAgencySimulator(options: { clients: Record<string, string>; env?: Record<string, string> }): Promise<RunningSimulator> {
  const child = spawn(process.execPath, [LAUNCHER], {
    // Stdin is a pipe the child watches: when govflow dies without stopping it, the pipe closes and it exits too.
    env: { ...process.env, AGENCY_SIM_PORT: '0', AGENCY_SIM_CLIENTS: JSON.stringify(options.clients), AGENCY_SIM_EXIT_WITH_PARENT: '1', ...options.env },
    stdio: ['pipe', 'pipe', 'inherit'],
  });
  return new Promise((resolve, reject) => {
    let buffered = '';
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new GovflowError('GOVFLOW_ERR_REGISTRY_UNAVAILABLE', 'the agency simulator did not start within 20 s'));
    }, 20_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new GovflowError('GOVFLOW_ERR_REGISTRY_UNAVAILABLE', `the agency simulator exited (code ${code}) before it was ready`));
    });
    child.stdout!.on('data', (chunk: Buffer) => {
      buffered += chunk.toString('utf8');
      const newline = buffered.indexOf('\n');
      if (newline < 0) return;
      clearTimeout(timer);
      child.removeAllListeners('exit');
      const announced = JSON.parse(buffered.slice(0, newline)) as { url: string; publicKey: string };
      resolve({
        url: announced.url, publicKey: announced.publicKey, process: child,
        stop: () => new Promise<void>((done) => {
          if (child.exitCode !== null || child.signalCode !== null) return done();
          child.once('exit', () => done());
          child.kill('SIGTERM');
        }),
      });
    });
  });
}
