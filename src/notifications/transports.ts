import { createRequire } from 'node:module';
import type * as Nodemailer from 'nodemailer';
import type { Logger } from '../kernel/index.js';

export interface OutgoingMessage {
  readonly id: number;
  readonly to: string;
  readonly subject: string;
  readonly text: string;
  readonly html: string;
  readonly template: string;
  readonly version: number;
  /** Mailing-list headers (List-Unsubscribe and its one-click partner), already checked by the outbox. */
  readonly headers?: Readonly<Record<string, string>>;
}

/** Where messages go. `send` resolves to the provider's message id, or throws to ask for a retry. */
export interface Transport {
  readonly name: string;
  send(message: OutgoingMessage): Promise<string>;
  close?(): void;
}

/**
 * The default: nothing leaves the machine. Logs that a message would be sent, with the template and a masked
 * recipient, never the body (it holds personal data).
 */
export function logOnlyTransport(logger?: Logger): Transport {
  return {
    name: 'log-only',
    async send(message) {
      logger?.info({ outboxId: message.id, template: message.template, version: message.version, to: maskAddress(message.to) }, 'notification (log-only transport: not sent)');
      return `log-only-${message.id}`;
    },
  };
}

export function smtpTransport(url: string, from: string): Transport {
  // nodemailer loads only where an SMTP server is configured.
  const transporter = (createRequire(import.meta.url)('nodemailer') as typeof Nodemailer).createTransport(url);
  return {
    name: 'smtp',
    async send(message) {
      const info = await transporter.sendMail({ from, to: message.to, subject: message.subject, text: message.text, html: message.html, headers: { ...message.headers, 'X-Govflow-Template': `${message.template}/v${message.version}` } });
      return String(info.messageId);
    },
    close: () => transporter.close(),
  };
}

export function maskAddress(address: string): string {
  const at = address.lastIndexOf('@');
  return at <= 0 ? '***' : `${address[0]}***${address.slice(at)}`;
}
