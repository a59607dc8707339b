/** E-mail notifications from versioned templates through a transactional outbox. See docs/notifications.md. */
export { enqueueNotification, Notifications } from './outbox.js';
export type { DeliveryStatus, NotificationInput, NotificationsOptions, OutboxRow } from './outbox.js';
export { DEFAULT_TEMPLATES_DIR, escapeHtml, TemplateStore } from './templates.js';
export type { MessageTemplate, RenderedMessage } from './templates.js';
export { setUpNotifications } from './setup.js';
export { logOnlyTransport, maskAddress, smtpTransport } from './transports.js';
export type { OutgoingMessage, Transport } from './transports.js';
export { listUndelivered, outboxBacklog, resendNotification } from './outbox-oversight.js';
export type { OutboxBacklog, OutboxEntry } from './outbox-oversight.js';
