import { GovflowError } from '../kernel/index.js';

/**
 * X-Road identifiers (PR-REST §4.1–4.2): a client is `INSTANCE/CLASS/MEMBER[/SUBSYSTEM]`, a service
 * `INSTANCE/CLASS/MEMBER[/SUBSYSTEM]/SERVICE`. Each part is UTF-8, percent-encoded on its own, so a "/" inside a part
 * travels as %2F and never splits it. Parsing is strict (the spec: incoming URIs "MUST be strictly validated"):
 * a part that is empty, too long, badly encoded or holds a control character is refused with its position named.
 */
export interface MemberId {
  readonly instance: string;
  readonly memberClass: string;
  readonly memberCode: string;
}

export interface ClientId extends MemberId {
  readonly subsystem: string | null;
}

export interface ServiceId extends ClientId {
  readonly serviceCode: string;
}

/** Decoded length of one part; X-Road's own database keeps them in varchar(255). */
export const MAX_PART_LENGTH = 255;
/** The spec lets a security server limit the request URI; most clients stop at 2000 characters. */
export const MAX_URI_LENGTH = 2000;

const CLIENT_PARTS = ['instance', 'member class', 'member code', 'subsystem code'] as const;
// Control characters (C0, DEL, C1) have no business in an identifier and would forge log lines.
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;

function refuse(where: string, message: string): GovflowError {
  return new GovflowError('GOVFLOW_ERR_EXCHANGE_BAD_REQUEST', `${where}: ${message}`, [{ where, message }]);
}

function decodePart(raw: string, where: string): string {
  if (raw === '') throw refuse(where, 'is empty');
  let decoded: string;
  try {
    decoded = decodeURIComponent(raw);
  } catch {
    throw refuse(where, 'is not valid percent-encoded UTF-8');
  }
  if (decoded.trim() === '') throw refuse(where, 'is blank');
  if (decoded.length > MAX_PART_LENGTH) throw refuse(where, `is longer than ${MAX_PART_LENGTH} characters`);
  if (CONTROL.test(decoded)) throw refuse(where, 'holds a control character');
  // Only the encoded form crosses the wire: an unencoded space or a character outside the URI's set is refused.
  if (!/^[A-Za-z0-9\-._~!$&'()*+,;=:@%]*$/.test(raw)) throw refuse(where, 'has a character that must be percent-encoded');
  return decoded;
}

/** `X-Road-Client: INSTANCE/CLASS/MEMBER[/SUBSYSTEM]`. */
export function parseClientId(header: string | undefined, where = 'X-Road-Client'): ClientId {
  if (header === undefined || header === '') throw refuse(where, 'is missing');
  if (header.length > MAX_URI_LENGTH) throw refuse(where, `is longer than ${MAX_URI_LENGTH} characters`);
  const raw = header.split('/');
  if (raw.length < 3 || raw.length > 4) throw refuse(where, `must be INSTANCE/CLASS/MEMBER or INSTANCE/CLASS/MEMBER/SUBSYSTEM (got ${raw.length} parts)`);
  const parts = raw.map((p, i) => decodePart(p, `${where} ${CLIENT_PARTS[i]}`));
  return { instance: parts[0]!, memberClass: parts[1]!, memberCode: parts[2]!, subsystem: parts[3] ?? null };
}

/**
 * `{serviceId}[/path]` after `/r1/`. The subsystem code is optional in the spec, which makes the split ambiguous
 * on its own; the provider knows its subsystems, so `hasSubsystem` says whether the fourth part is one of them.
 */
export function parseServicePath(rest: string, hasSubsystem: (member: MemberId, code: string) => boolean = () => true): { service: ServiceId; path: string } {
  if (rest.length > MAX_URI_LENGTH) throw refuse('service path', `is longer than ${MAX_URI_LENGTH} characters`);
  const raw = rest.split('/');
  if (raw.length < 4) throw refuse('service id', 'must be INSTANCE/CLASS/MEMBER[/SUBSYSTEM]/SERVICE');
  const member = { instance: decodePart(raw[0]!, 'service id instance'), memberClass: decodePart(raw[1]!, 'service id member class'), memberCode: decodePart(raw[2]!, 'service id member code') };
  const fourth = decodePart(raw[3]!, 'service id subsystem or service code');
  const withSubsystem = raw.length >= 5 && raw[4] !== '' && hasSubsystem(member, fourth);
  const serviceCode = withSubsystem ? decodePart(raw[4]!, 'service id service code') : fourth;
  const tail = raw.slice(withSubsystem ? 5 : 4);
  for (const segment of tail) {
    // The path is passed to the service as it came, but never with "." or ".." segments (a traversal out of the service).
    if (segment === '.' || segment === '..' || /%2e%2e|%2f/i.test(segment) || CONTROL.test(segment)) throw refuse('service path', `segment '${segment.slice(0, 40)}' is not allowed`);
  }
  return { service: { ...member, subsystem: withSubsystem ? fourth : null, serviceCode }, path: tail.length === 0 ? '/' : `/${tail.join('/')}` };
}

export function parseServiceId(text: string): ServiceId {
  const raw = text.split('/');
  if (raw.length !== 4 && raw.length !== 5) throw refuse('service id', `must be INSTANCE/CLASS/MEMBER[/SUBSYSTEM]/SERVICE (got ${raw.length} parts)`);
  return parseServicePath(text, () => raw.length === 5).service;
}

const enc = (part: string): string => encodeURIComponent(part);

export function formatClientId(id: ClientId): string {
  return [id.instance, id.memberClass, id.memberCode, ...(id.subsystem === null ? [] : [id.subsystem])].map(enc).join('/');
}

export function formatServiceId(id: ServiceId): string {
  return `${formatClientId(id)}/${enc(id.serviceCode)}`;
}

export function formatMemberId(id: MemberId): string {
  return [id.instance, id.memberClass, id.memberCode].map(enc).join('/');
}

export function sameMember(a: MemberId, b: MemberId): boolean {
  return a.instance === b.instance && a.memberClass === b.memberClass && a.memberCode === b.memberCode;
}

export function sameClient(a: ClientId, b: ClientId): boolean {
  return sameMember(a, b) && a.subsystem === b.subsystem;
}
