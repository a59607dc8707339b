import type {} from 'fastify';
/**
 * A route's declaration that it returns or hands over personal data (issue 13, "complete access log"), written in
 * the route table next to `access` (API routes) or in the route's Fastify `config` (pages). The generated test
 * test/privacy/access-log-coverage.test.ts exercises every registered route: it fails for a route that returns a
 * person's data without declaring it, and for a declared route whose answer writes no access-log entry for them.
 */
export type PersonalDataUse =
  /** Another person's data (a case's applicant, the people behind a list of cases): every answer logs `action` for each of them. */
  | { readonly logged: string }
  /** The signed-in citizen's own data, read by themself: not a read by someone else, so it is not logged (docs/privacy.md). */
  | { readonly own: true };

/** The Fastify route options that declare a page's use of personal data: spread `...personalData(use)` into them. */
export function personalData(use: PersonalDataUse): { config: { personalData: PersonalDataUse } } {
  return { config: { personalData: use } };
}

/** The declaration of a registered route (Fastify's `config`), or undefined. */
export function personalDataOf(config: unknown): PersonalDataUse | undefined {
  const use = (config as { personalData?: PersonalDataUse } | undefined)?.personalData;
  return use && typeof use === 'object' ? use : undefined;
}

// Pages declare it in their Fastify route options (`config`), which the onRoute hook hands to the route table.
declare module 'fastify' {
  interface FastifyContextConfig {
    personalData?: PersonalDataUse;
  }
}
