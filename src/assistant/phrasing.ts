/**
 * Optional plain-language phrasing by a generative model behind an OpenAI-compatible chat endpoint
 * (GOVFLOW_ASSISTANT_LLM_URL: llama.cpp server, Ollama, vLLM). The model only rewrites a grounded answer; its text
 * is used only when it states exactly the grounded numbers and names no address that is not one of the reply's
 * sources or actions. Anything else — a wrong number, an invented link, a timeout, an error — keeps the grounded text.
 */
import { numbersIn, type Reply } from './replies.js';

export type Phrase = (reply: Reply) => Promise<string>;

const SYSTEM = 'You rewrite a government service answer in plain, friendly English. Use only the facts in the answer. Keep every number exactly as written. Do not add facts, links or addresses. Reply with the rewritten answer only.';

/** True when `text` keeps the grounded answer's numbers (no more, no fewer) and cites no other address. */
export function isFaithful(text: string, reply: Reply): boolean {
  const grounded = new Set(reply.groundedNumbers ?? numbersIn(reply.answer));
  const said = new Set(numbersIn(text));
  if (said.size !== grounded.size || [...said].some((n) => !grounded.has(n))) return false;
  const allowed = new Set([...reply.sources.map((s) => s.url), ...reply.actions.map((a) => a.href)]);
  const addresses = text.match(/https?:\/\/[^\s)]+|(?<![\w.])\/[a-z0-9][\w\-/]*/gi) ?? [];
  return addresses.every((a) => allowed.has(a.replace(/[.,;]$/, '')));
}

/** The phrasing function for `url`, or null without one (the embedded default needs no model and no network). */
export function createPhrasing(url: string | undefined, options: { model?: string; timeoutMs?: number } = {}): Phrase | null {
  if (!url) return null;
  const endpoint = /\/chat\/completions\/?$/.test(url) ? url : `${url.replace(/\/$/, '')}/v1/chat/completions`;
  return async (reply) => {
    if (reply.kind !== 'answer' && reply.kind !== 'clarify') return reply.answer;
    try {
      const response = await fetch(endpoint, {
        method: 'POST', headers: { 'content-type': 'application/json' }, signal: AbortSignal.timeout(options.timeoutMs ?? 4000),
        body: JSON.stringify({ model: options.model ?? 'default', temperature: 0, messages: [{ role: 'system', content: SYSTEM }, { role: 'user', content: reply.answer }] }),
      });
      if (!response.ok) return reply.answer;
      const body = await response.json() as { choices?: { message?: { content?: unknown } }[] };
      const text = body.choices?.[0]?.message?.content;
      return typeof text === 'string' && text.trim() !== '' && text.length <= 4000 && isFaithful(text, reply) ? text.trim() : reply.answer;
    } catch {
      return reply.answer;
    }
  };
}
