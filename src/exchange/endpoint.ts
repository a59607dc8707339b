import { createServer as createHttpServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { createServer as createHttpsServer } from 'node:https';
import type { TLSSocket } from 'node:tls';
import type { Logger } from '../kernel/index.js';
import type { IncomingRequest, OutgoingResponse } from './provider.js';

/**
 * Serves the X-Road REST endpoint (`/r1/…`) on its own listener, as a security server's interface would: mutual TLS
 * in the embedded default (any client certificate is asked for; the provider then checks it is the calling member's
 * registered one), plain HTTP behind a real security server. Bodies are read raw (any payload type, §3.1), up to a bound.
 */
export const MAX_MESSAGE_BYTES = 10 * 1024 * 1024;

export interface Endpoint {
  readonly url: string;
  stop(): Promise<void>;
}

export async function startEndpoint(options: {
  handle: (request: IncomingRequest) => Promise<OutgoingResponse>;
  tls: { cert: string; key: string } | null;
  host?: string; port?: number; logger?: Logger;
}): Promise<Endpoint> {
  const listener = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = [];
    let size = 0;
    let refused = false;
    req.on('data', (c: Buffer) => {
      size += c.length;
      if (size > MAX_MESSAGE_BYTES && !refused) {
        refused = true;
        res.writeHead(413, { 'content-type': 'application/json;charset=utf-8', 'x-road-error': 'Client.BadRequest', connection: 'close' });
        res.end(JSON.stringify({ type: 'Client.BadRequest', message: `the message is larger than ${MAX_MESSAGE_BYTES} bytes`, detail: '' }));
        req.destroy();
      }
      if (!refused) chunks.push(c);
    });
    req.on('end', () => {
      if (refused) return;
      const socket = req.socket as Partial<TLSSocket>;
      const cert = typeof socket.getPeerCertificate === 'function' ? socket.getPeerCertificate() : null;
      const request: IncomingRequest = {
        method: req.method ?? 'GET', url: req.url ?? '/', body: Buffer.concat(chunks),
        header: (name) => {
          const v = req.headers[name];
          return Array.isArray(v) ? v.join(', ') : v;
        },
        peerFingerprint: cert && cert.fingerprint256 ? cert.fingerprint256 : null,
      };
      options.handle(request).then((answer) => {
        res.writeHead(answer.status, answer.headers);
        res.end(answer.body);
      }, (error: unknown) => {
        options.logger?.error({ err: error }, 'exchange endpoint failed');
        res.writeHead(500, { 'content-type': 'application/json;charset=utf-8', 'x-road-error': 'Server.ServerProxy.InternalError' });
        res.end(JSON.stringify({ type: 'Server.ServerProxy.InternalError', message: 'the exchange could not be processed', detail: '' }));
      });
    });
  };
  const server: Server = options.tls
    ? createHttpsServer({ cert: options.tls.cert, key: options.tls.key, requestCert: true, rejectUnauthorized: false }, listener)
    : createHttpServer(listener);
  server.keepAliveTimeout = 5000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address ? address.port : 0;
  return {
    url: `${options.tls ? 'https' : 'http'}://${options.host ?? '127.0.0.1'}:${port}`,
    stop: () => new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    }),
  };
}
