import type { Service } from '../catalogue/index.js';
import type { FieldComponent, FormComponent } from '../web/index.js';

/**
 * Synthetic applicants for the training sandbox: made-up people and businesses, drawn from a seeded generator so a
 * session can be told again, with every address on the reserved `example.invalid` domain (RFC 2606: no mail can
 * ever reach it). Nothing here reads a real person; the answers follow the service's own form schemas, so the
 * real process and the real task forms get the inputs they expect.
 */

const GIVEN = ['Aino', 'Bruno', 'Carla', 'Dmitri', 'Elif', 'Farid', 'Greta', 'Hugo', 'Ines', 'Jonas', 'Kaisa', 'Luca', 'Marta', 'Nils', 'Olga', 'Pau', 'Rosa', 'Sven', 'Tala', 'Ugo'] as const;
const FAMILY = ['Aalto', 'Berg', 'Castell', 'Duarte', 'Eriksen', 'Ferrer', 'Gil', 'Halme', 'Ibarra', 'Jansen', 'Kask', 'Lind', 'Mora', 'Nurk', 'Ortiz', 'Puig', 'Rebane', 'Serra', 'Tamm', 'Vidal'] as const;
const STREETS = ['Harbour Road', 'Mill Lane', 'Station Street', 'Orchard Way', 'Castle Hill', 'Market Square', 'River Walk', 'Linden Avenue'] as const;
const TRADES = ['Bakery', 'Bicycle Repairs', 'Café', 'Florist', 'Hardware', 'Print Shop', 'Tailor', 'Bookshop'] as const;

export type Random = () => number;

/** A small seeded generator (mulberry32): the same seed gives the same session. */
export function seededRandom(seed: number): Random {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const pick = <T>(random: Random, items: readonly T[]): T => items[Math.floor(random() * items.length)]!;
const between = (random: Random, low: number, high: number): number => low + Math.floor(random() * (high - low + 1));

export interface SyntheticApplicant {
  readonly name: string;
  readonly email: string;
  readonly address: string;
  readonly nationalId: string;
  readonly birthDate: string;
}

export function syntheticApplicant(random: Random): SyntheticApplicant {
  const given = pick(random, GIVEN);
  const family = pick(random, FAMILY);
  const birth = `${between(random, 1950, 2004)}-${String(between(random, 1, 12)).padStart(2, '0')}-${String(between(random, 1, 28)).padStart(2, '0')}`;
  return {
    name: `${given} ${family}`,
    email: `${given}.${family}.${between(random, 100, 999)}@example.invalid`.toLowerCase(),
    address: `${between(random, 1, 120)} ${pick(random, STREETS)}, Demo Town`,
    // Made-up identifiers in a range no registry issues (the SYN- prefix), so they can never name a real person.
    nationalId: `SYN-${birth.replaceAll('-', '')}-${between(random, 1000, 9999)}`,
    birthDate: birth,
  };
}

/** A value for one form field, shaped by its type and its validation rules; by its key where the key says what it is. */
function answerFor(field: FieldComponent, applicant: SyntheticApplicant, random: Random): unknown {
  const key = field.key.toLowerCase();
  const { min, max, maxLength, pattern } = field.validate;
  switch (field.type) {
    case 'number': {
      const low = min ?? 0;
      const high = Math.max(low, Math.min(max ?? low + 5000, low + 5000));
      return between(random, low, high);
    }
    case 'checkbox': return field.validate.required ? true : random() < 0.5;
    case 'radio': case 'select': return field.values && field.values.length > 0 ? pick(random, field.values).value : undefined;
    case 'checklist': return field.values && field.values.length > 0 ? [pick(random, field.values).value] : [];
    case 'datetime': return `2026-${String(between(random, 1, 12)).padStart(2, '0')}-${String(between(random, 1, 28)).padStart(2, '0')}`;
    case 'filepicker': return undefined;
    default: {
      let text: string;
      if (field.validate.validationType === 'email' || key.includes('email')) text = applicant.email;
      else if (key.includes('name')) text = applicant.name;
      else if (key.includes('address')) text = applicant.address;
      else if (key.includes('phone')) text = `+000 ${between(random, 1000000, 9999999)}`;
      else if (pattern) text = fromPattern(pattern, random);
      else text = `Synthetic answer ${between(random, 1, 999)} for training`;
      return maxLength ? text.slice(0, maxLength) : text;
    }
  }
}

/** A string for the simple patterns the catalogue's forms use (`BR-[0-9]{6}`): literals, classes of digits or letters with counts. */
function fromPattern(pattern: string, random: Random): string {
  return pattern.replace(/\[([^\]]+)\](?:\{(\d+)\})?/g, (_all, cls: string, count?: string) => {
    const pool = cls.includes('0-9') ? '0123456789' : cls.includes('A-Z') ? 'ABCDEFGHJKLMNPQRSTUVWXYZ' : 'abcdefghijkmnopqrstuvwxyz';
    return Array.from({ length: count ? Number(count) : 1 }, () => pool[Math.floor(random() * pool.length)]).join('');
  }).replace(/[\\^$]/g, '');
}

const isField = (c: FormComponent): c is FieldComponent => c.type !== 'text';

/** The answers of every page of the service's application, as a citizen would have given them. */
export function syntheticAnswers(service: Pick<Service, 'pages'>, applicant: SyntheticApplicant, random: Random): Record<string, unknown> {
  const answers: Record<string, unknown> = {};
  for (const page of service.pages) {
    for (const field of page.form.components.filter(isField)) {
      const value = answerFor(field, applicant, random);
      if (value !== undefined) answers[field.key] = value;
    }
  }
  return answers;
}

/**
 * What the sandbox's registry answers instead of the real registries (which it never asks): a person with a
 * household of 1 to 4, or a business that is mostly active and sometimes has a recorded violation.
 */
export function syntheticRegistryRecord(registry: string, applicant: SyntheticApplicant, answers: Record<string, unknown>, random: Random): Record<string, unknown> {
  if (registry === 'business') {
    const violations = random() < 0.35 ? [{ date: '2025-09-14', description: 'Late renewal of the waste contract' }] : [];
    return { business: { code: typeof answers['businessCode'] === 'string' ? answers['businessCode'] : 'BR-000000', name: `${applicant.name.split(' ')[1]} ${pick(random, TRADES)}`,
      status: random() < 0.8 ? 'active' : 'dissolved', address: applicant.address, representatives: [applicant.nationalId], licenceViolations: violations } };
  }
  const members = Array.from({ length: between(random, 0, 3) }, () => {
    const member = syntheticApplicant(random);
    return { name: `${member.name.split(' ')[0]} ${applicant.name.split(' ')[1]}`, birthDate: member.birthDate };
  });
  return { person: { nationalId: applicant.nationalId, name: applicant.name, birthDate: applicant.birthDate, address: applicant.address, householdMembers: members } };
}
