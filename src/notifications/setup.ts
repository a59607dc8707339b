import type { Logger } from '../kernel/index.js';
import type { Database } from '../store/index.js';
import { Notifications, type NotificationsOptions } from './outbox.js';
import { logOnlyTransport, smtpTransport } from './transports.js';

/**
 * For the composition root: notifications configured from the environment. GOVFLOW_SMTP_URL (e.g.
 * `smtp://user:pass@mail.example:587`) sends real e-mail from GOVFLOW_MAIL_FROM; without it the log-only transport
 * records that a message would have been sent.
 */
export async function setUpNotifications(options: { db: Database; logger?: Logger; publicUrl: string; agencyName: string; env?: NodeJS.ProcessEnv; getPerson?: (id: string) => Promise<{ name?: string; email?: string } | null>; onAttempt?: NotificationsOptions['onAttempt']; openRecipient?: NotificationsOptions['openRecipient']; localise?: NotificationsOptions['localise'] }): Promise<Notifications | undefined> {
  const env = options.env ?? process.env;
  const smtpUrl = env['GOVFLOW_SMTP_URL'];
  const transport = smtpUrl ? smtpTransport(smtpUrl, env['GOVFLOW_MAIL_FROM'] ?? `${options.agencyName} <noreply@localhost>`) : logOnlyTransport(options.logger);
  return new Notifications({
    db: options.db, transport,
    defaults: { agencyName: options.agencyName, publicUrl: options.publicUrl },
    ...(options.logger ? { logger: options.logger } : {}),
    ...(options.getPerson ? { getPerson: options.getPerson } : {}),
    ...(options.onAttempt ? { onAttempt: options.onAttempt } : {}),
    ...(options.openRecipient ? { openRecipient: options.openRecipient } : {}),
    ...(options.localise ? { localise: options.localise } : {}),
  });
}
