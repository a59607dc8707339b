/**
 * A real OpenID Connect provider (`oidc-provider`) on loopback, standing in for the national eID: the only part of a
 * citizen's sign-in that is truly outside govflow. Its development login accepts any login name; the account's `sub`
 * is that name and its claims come from PEOPLE (unknown logins get a generic name). Like a national eID it releases
 * the person's national identification number (claim `national_id`, with the profile scope). The same provider
 * stands in for an agency's staff sign-in (`people` with verified e-mail addresses).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Provider from 'oidc-provider';

export type EidClaims = Readonly<Record<string, unknown>>;

export const PEOPLE: Readonly<Record<string, EidClaims>> = {
  'eid-alex': { name: 'Alex Demo', email: 'alex@example.org', national_id: '38001085718' },
  'eid-riley': { name: 'Riley Tester', email: 'riley@example.org', national_id: '49403136526' },
};

export interface TestEid {
  readonly issuer: string;
  readonly clientId: string;
  readonly clientSecret: string;
  close(): Promise<void>;
}

/** `people`: the accounts' claims by login name (default PEOPLE); it may be changed while the provider runs. */
export async function startTestEid(redirectUri: () => string, options: { people?: Record<string, EidClaims> } = {}): Promise<TestEid> {
  const people = options.people ?? PEOPLE;
  const server: Server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const issuer = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const clientId = 'govflow-test';
  const clientSecret = 'test-eid-client-secret-0123456789abcdef';
  let provider: Provider | undefined;
  server.on('request', (request, response) => {
    provider ??= new Provider(issuer, {
      clients: [{ client_id: clientId, client_secret: clientSecret, redirect_uris: [redirectUri()], grant_types: ['authorization_code'], response_types: ['code'] }],
      pkce: { required: () => true },
      // `roles`: an agency provider may send roles or groups; govflow must ignore them (staff roles are its own).
      claims: { openid: ['sub'], profile: ['name', 'national_id'], email: ['email', 'email_verified'], roles: ['roles', 'groups'] },
      features: { devInteractions: { enabled: true } },
      async findAccount(_ctx: unknown, sub: string) {
        return { accountId: sub, claims: async () => ({ sub, ...(people[sub] ?? { name: `Person ${sub}` }) }) };
      },
      cookies: { keys: ['test-eid-cookie-key'] },
    });
    provider.callback()(request, response);
  });
  return { issuer, clientId, clientSecret, close: () => new Promise((resolve) => server.close(() => resolve())) };
}
