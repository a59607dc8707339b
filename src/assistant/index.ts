/**
 * The assistant (issue 19); its plugin serves the /assistant page, and its route table rows the JSON API: grounded answers from the published catalogue with their sources, computed answers from
 * the deployed decisions, the citizen's own cases, handover to a person as an enquiry case, safe refusals, optional
 * phrasing by a local model that is checked against the grounded answer. docs/assistant.md.
 */
import type { FastifyInstance } from 'fastify';
import type { Logger } from '../kernel/index.js';
import type { Assistant } from './assistant.js';
import { registerAssistantPages, type EnsureSession } from './pages.js';
import { registerManagersPage } from './managers-page.js';
import type { Database } from '../store/index.js';

export { createAssistant, ENQUIRY_PROCESS } from './assistant.js';
export type { Assistant, AssistantOptions, AssistantReply, Caller, ConversationView, ShownMessage, TextVault } from './assistant.js';
export { assistantRoutes } from './api-routes.js';
export { assistantFigures } from './assistant-store.js';
export type { AssistantFigures } from './assistant-store.js';
export { compute, inputNames, INPUT_READERS, parseAmount } from './computed.js';
export type { Computation } from './computed.js';
export { KnowledgeIndex, passagesOf, terms } from './knowledge.js';
export type { CatalogueEntry, Facet, Passage } from './knowledge.js';
export { createPhrasing, isFaithful } from './phrasing.js';
export type { Phrase } from './phrasing.js';
export { numbersIn, replyTo, REPLY_KINDS } from './replies.js';
export type { Action, OwnCase, Reply, ReplyContext, ReplyKind, Source } from './replies.js';
export { MAX_QUESTION } from './pages.js';
export type { EnsureSession } from './pages.js';

/** The Fastify plugin of the assistant's pages: /assistant for citizens, /staff/assistant for managers. */
export function createAssistantPlugin(options: { assistant: Assistant; db: Database; ensureSession: EnsureSession; logger: Logger }): (server: FastifyInstance) => Promise<void> {
  const pages = registerAssistantPages(options);
  const managers = registerManagersPage(options);
  return async (server) => {
    await pages(server);
    await managers(server);
  };
}
