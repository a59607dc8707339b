/** Serves the assistant's JSON API: a message and its reply, a conversation read back, a reply rated (route table rows for api/). */
import { Type } from '@sinclair/typebox';
import type { Assistant, Caller } from './assistant.js';
import { MAX_QUESTION } from './pages.js';
import { REPLY_KINDS } from './replies.js';

const Link = Type.Object({ title: Type.String(), url: Type.String() });
const ActionSchema = Type.Object({ label: Type.String(), href: Type.String() });
const ConversationId = Type.String({ pattern: '^[A-Za-z0-9_-]{22}$', description: 'the id a first reply returned' });
const Kind = Type.Union(REPLY_KINDS.map((k) => Type.Literal(k)));

/** The principal stays opaque here (assistant may not depend on identity): a citizen's id, or nobody. */
const callerOf = (principal: unknown): Caller => {
  const p = principal as { kind?: unknown; id?: unknown } | null;
  return { citizenId: p?.kind === 'citizen' && typeof p.id === 'string' ? p.id : null };
};

export function assistantRoutes(assistant: Assistant) {
  return [
    {
      method: 'POST' as const, url: '/api/assistant/messages', operationId: 'askAssistant', tag: 'assistant', status: 200 as const,
      summary: 'Asks the assistant: a grounded answer with its sources, a computed fee or eligibility, the caller\'s own cases, a handover to a person, a clarifying question or a polite refusal',
      body: Type.Object({
        text: Type.String({ minLength: 1, maxLength: MAX_QUESTION }),
        conversationId: Type.Optional(ConversationId),
        language: Type.Optional(Type.String({ pattern: '^[a-z]{2}(-[A-Z]{2})?$' })),
      }, { additionalProperties: false }),
      response: Type.Object({ conversationId: Type.String(), messageId: Type.Integer(), kind: Kind, answer: Type.String(), sources: Type.Array(Link), actions: Type.Array(ActionSchema) }),
      access: 'public' as const,
      handler: async (input: { body: unknown; principal: unknown }) => {
        const body = input.body as { text: string; conversationId?: string; language?: string };
        return assistant.send(callerOf(input.principal), { text: body.text.trim() || body.text, conversationId: body.conversationId, language: body.language });
      },
    },
    {
      method: 'GET' as const, url: '/api/assistant/conversations/:id', operationId: 'getAssistantConversation', tag: 'assistant', status: 200 as const,
      summary: 'A conversation with the assistant and, once a member of staff has answered its enquiry, their reply',
      params: Type.Object({ id: ConversationId }),
      response: Type.Object({ id: Type.String(), messages: Type.Array(Type.Object({ id: Type.Integer(), role: Type.String(), kind: Type.Union([Kind, Type.Null()]), text: Type.String(), sources: Type.Array(Link), actions: Type.Array(ActionSchema), rating: Type.Union([Type.String(), Type.Null()]) })), enquiry: Type.Union([Type.Null(), Type.Object({ reference: Type.String(), department: Type.String(), open: Type.Boolean() })]) }),
      access: 'public' as const,
      handler: async (input: { params: unknown; principal: unknown }) => assistant.conversation(callerOf(input.principal), (input.params as { id: string }).id),
    },
    {
      method: 'POST' as const, url: '/api/assistant/messages/:id/rating', operationId: 'rateAssistantReply', tag: 'assistant', status: 200 as const,
      summary: 'Rates one of the assistant\'s replies as helpful or not',
      params: Type.Object({ id: Type.String({ pattern: '^[0-9]{1,15}$' }) }),
      body: Type.Object({ conversationId: ConversationId, helpful: Type.Boolean() }, { additionalProperties: false }),
      response: Type.Object({ rated: Type.Boolean() }),
      access: 'public' as const,
      handler: async (input: { params: unknown; body: unknown; principal: unknown }) => {
        const body = input.body as { conversationId: string; helpful: boolean };
        await assistant.rate(callerOf(input.principal), body.conversationId, Number((input.params as { id: string }).id), body.helpful);
        return { rated: true };
      },
    },
  ];
}
