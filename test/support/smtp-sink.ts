// A real SMTP server on loopback (smtp-server) that parses what it receives (mailparser): the e-mail tests' inbox.
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SmtpSink {
  readonly url: string;
  readonly received: ParsedMail[];
  /** While on, every message is refused with a 4xx (temporary) reply. */
  readonly refuse: { on: boolean };
  stop(): Promise<void>;
}

export async function startSmtp(): Promise<SmtpSink> {
  const received: ParsedMail[] = [];
  const refuse = { on: false };
  const server = new SMTPServer({
    authOptional: true, disabledCommands: ['STARTTLS'], logger: false,
    // No reverse DNS look-up of 127.0.0.1: a machine without a resolver would stall each connection on it.
    disableReverseLookup: true,
    onData(stream, _session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        if (refuse.on) return callback(Object.assign(new Error('mailbox temporarily unavailable'), { responseCode: 451 }));
        void simpleParser(Buffer.concat(chunks)).then((mail) => { received.push(mail); callback(); });
      });
    },
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.server.address() as { port: number }).port;
  return { url: `smtp://127.0.0.1:${port}`, received, refuse, stop: () => new Promise<void>((r) => server.close(() => r())) };
}
