import { GovflowError } from './errors.js';

/**
 * Demo or production, and the settings that make the demo unsafe for real use. `npm start` is the demo: demo staff
 * and citizens with published credentials, the citizen picker instead of an eID, and the built-in test payment
 * provider. Production (`GOVFLOW_ENV=production` or `govflow serve --production`) has all three off by default and
 * refuses to start if one is switched on, naming the setting, so a demo cannot go live by accident.
 */
export interface DeploymentMode {
  readonly production: boolean;
  /** GOVFLOW_DEMO_ACCOUNTS: seed the demo organisation (staff with published passwords and TOTP secrets, citizens). */
  readonly demoAccounts: boolean;
  /** GOVFLOW_DEMO_SIGN_IN: the citizen picker at /sign-in (no password, pick a demo citizen). */
  readonly demoSignIn: boolean;
  /** GOVFLOW_PAYMENT_PROVIDER=test: the built-in provider whose "Pay" button takes no money. */
  readonly testPayments: boolean;
  /** GOVFLOW_TRUST_PROXY: which proxies may set the client address (X-Forwarded-For); default none. */
  readonly trustProxy: TrustProxy;
}

/** What Fastify's `trustProxy` takes: false, true (any), a hop count, or addresses/CIDRs of the proxies. */
export type TrustProxy = boolean | number | string;

const invalid = (setting: string, value: string, expected: string): GovflowError =>
  new GovflowError('GOVFLOW_ERR_CONFIG', `${setting}=${value} is not valid: ${expected}`);

function onOff(env: NodeJS.ProcessEnv, setting: string, fallback: boolean): boolean {
  const raw = env[setting]?.trim().toLowerCase();
  if (raw === undefined || raw === '') return fallback;
  if (['on', 'true', 'yes', '1'].includes(raw)) return true;
  if (['off', 'false', 'no', '0'].includes(raw)) return false;
  throw invalid(setting, raw, 'use on or off');
}

/**
 * GOVFLOW_TRUST_PROXY: `off` (default: the TCP peer is the client), `on` (every proxy is trusted: only when govflow
 * is reachable through the proxy alone), a number of hops, or a comma-separated list of proxy addresses or CIDRs
 * (`127.0.0.1,10.0.0.0/8`). With a TLS proxy in front and this off, every client looks like the proxy.
 */
export function trustProxySetting(raw: string | undefined): TrustProxy {
  const value = raw?.trim() ?? '';
  if (value === '' || /^(off|false|no|0)$/i.test(value)) return false;
  if (/^(on|true|yes)$/i.test(value)) return true;
  if (/^[1-9]\d{0,1}$/.test(value)) return Number(value);
  const parts = value.split(',').map((p) => p.trim());
  if (parts.every((p) => /^(loopback|linklocal|uniquelocal|[0-9a-f.:]{2,45}(\/\d{1,3})?)$/i.test(p))) return parts.join(',');
  throw invalid('GOVFLOW_TRUST_PROXY', value, 'use off, on, a number of proxy hops, or proxy addresses/CIDRs separated by commas');
}

export function deploymentMode(env: NodeJS.ProcessEnv = process.env, flags: { production?: boolean; noDemo?: boolean } = {}): DeploymentMode {
  const envMode = env['GOVFLOW_ENV']?.trim().toLowerCase();
  if (envMode && envMode !== 'production' && envMode !== 'demo') throw invalid('GOVFLOW_ENV', envMode, 'use production or demo');
  const production = flags.production === true || envMode === 'production';
  // In the demo everything demo is on unless --no-demo (or the setting) turns it off; in production all are off.
  const demoDefault = !production && !flags.noDemo;
  const provider = env['GOVFLOW_PAYMENT_PROVIDER']?.trim().toLowerCase() || (production ? 'none' : 'test');
  if (provider !== 'test' && provider !== 'none') throw invalid('GOVFLOW_PAYMENT_PROVIDER', provider, 'use test or none');
  return {
    production,
    demoAccounts: onOff(env, 'GOVFLOW_DEMO_ACCOUNTS', demoDefault),
    demoSignIn: onOff(env, 'GOVFLOW_DEMO_SIGN_IN', demoDefault),
    testPayments: provider === 'test',
    trustProxy: trustProxySetting(env['GOVFLOW_TRUST_PROXY']),
  };
}

/** Why production mode must not start with these settings (one line naming the setting to change), or null. */
export function productionRefusal(mode: DeploymentMode): string | null {
  if (!mode.production) return null;
  if (mode.demoAccounts) return 'production mode refuses to start while demo accounts are enabled: set GOVFLOW_DEMO_ACCOUNTS=off';
  if (mode.demoSignIn) return 'production mode refuses to start while the demo sign-in picker is enabled: set GOVFLOW_DEMO_SIGN_IN=off';
  if (mode.testPayments) return 'production mode refuses to start while the test payment provider is enabled: set GOVFLOW_PAYMENT_PROVIDER=none';
  return null;
}
