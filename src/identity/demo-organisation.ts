import type { Membership } from './principal.js';

/**
 * The demo organisation seeded for `npm start` and the tests. The passwords and TOTP secrets are public on
 * purpose (docs/identity.md lists them so a demo user can add the secret to an authenticator app); a real
 * deployment creates its own staff and never seeds these.
 */
export const DEMO_AGENCIES = [
  { id: 'demo-municipality', name: 'Demo Municipality' },
  { id: 'regional-fire-service', name: 'Regional Fire Service' },
] as const;

export const DEMO_DEPARTMENTS = [
  { id: 'intake', agency: 'demo-municipality', name: 'Intake' },
  { id: 'planning', agency: 'demo-municipality', name: 'Planning' },
  { id: 'building-control', agency: 'demo-municipality', name: 'Building control' },
  { id: 'fire-safety', agency: 'regional-fire-service', name: 'Fire safety' },
  { id: 'licensing', agency: 'demo-municipality', name: 'Licensing' },
  { id: 'benefits', agency: 'demo-municipality', name: 'Benefits' },
  { id: 'finance', agency: 'demo-municipality', name: 'Finance' },
  { id: 'digital', agency: 'demo-municipality', name: 'Digital services' },
] as const;

export interface DemoStaff {
  readonly username: string;
  readonly name: string;
  readonly password: string;
  /** Base32 TOTP secret (SHA-1, 6 digits, 30 s): add it to any authenticator app. */
  readonly totpSecret: string;
  readonly memberships: readonly Membership[];
}

const caseworker = (...departments: string[]): Membership[] => departments.map((department) => ({ department, role: 'caseworker' as const }));

export const DEMO_STAFF: readonly DemoStaff[] = [
  { username: 'pat', name: 'Pat Planner', password: 'demo-pat-password', totpSecret: 'KRUGKIDROVUWG2ZAMJZG653OEBTG66BA', memberships: caseworker('planning', 'intake') },
  { username: 'bob', name: 'Bob Builder', password: 'demo-bob-password', totpSecret: 'IJXWEIDUNBSSAYTVNFWGIZLSEBSGK3LP', memberships: caseworker('building-control') },
  { username: 'fay', name: 'Fay Fireside', password: 'demo-fay-password', totpSecret: 'IZQXSIDUNBSSAZTJOJSSA43BMZSXI6JA', memberships: caseworker('fire-safety') },
  { username: 'lin', name: 'Lin Licence', password: 'demo-lin-password', totpSecret: 'JRUW4IDUNBSSA3DJMNSW443JNZTSAZDF', memberships: caseworker('licensing') },
  { username: 'ben', name: 'Ben Benefit', password: 'demo-ben-password', totpSecret: 'IJSW4IDUNBSSAYTFNZSWM2LUOMQGIZLN', memberships: caseworker('benefits') },
  {
    username: 'mia', name: 'Mia Manager', password: 'demo-mia-password', totpSecret: 'JVUWCIDUNBSSA3LBNZQWOZLSEBSGK3LP',
    memberships: ['planning', 'building-control', 'fire-safety', 'licensing', 'benefits'].map((department) => ({ department, role: 'manager' as const })),
  },
  { username: 'ada', name: 'Ada Admin', password: 'demo-ada-password', totpSecret: 'IFSGCIDUNBSSAYLEMBUW4IDEMVWW6IDB', memberships: [{ department: 'digital', role: 'admin' }] },
  { username: 'aud', name: 'Aud Auditor', password: 'demo-aud-password', totpSecret: 'IF2WIIDUNBSSAYLVMRUXI33SEBSGK3LP', memberships: [{ department: 'digital', role: 'auditor' }] },
];

/** Demo citizens; their ids are the subjects the demo sign-in (or the test eID provider) vouches for. */
export const DEMO_CITIZENS = [
  { id: 'demo-citizen-alex', username: 'alex', name: 'Alex Demo', nationalId: '19850412-1001', businesses: [] as string[] },
  { id: 'demo-citizen-sam', username: 'sam', name: 'Sam Example', nationalId: '19790203-2002', businesses: ['BR-100200'] },
  { id: 'demo-citizen-kim', username: 'kim', name: 'Kim Sample', nationalId: '19920718-3003', businesses: [] as string[] },
] as const;
