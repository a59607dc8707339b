/**
 * The DCAT-AP 3.0.1 catalogue of our open data, as RDF: Turtle and N-Quads with `n3`, JSON-LD with `jsonld`
 * (from the same triples, compacted with a small context), RDF/XML written from the same triples (a flat
 * rdf:Description per subject — `n3` and `jsonld` do not write RDF/XML; the tests parse it back with
 * rdfxml-streaming-parser and compare graphs). Validated against the DCAT-AP SHACL shapes in the tests.
 */
import { createRequire } from 'node:module';
import type JsonLd from 'jsonld';
import type * as N3 from 'n3';
import type { Quad } from 'n3';
import { LICENCE, type OpenDataset, type Publisher } from './datasets.js';

// n3 and jsonld (with rdf-canonize and their HTTP client, some 150 modules) load when the catalogue is first
// written, not in every process that imports the transparency module.
const load = createRequire(import.meta.url);
const n3 = (): typeof N3 => load('n3') as typeof N3;
const jsonld = (): typeof JsonLd => load('jsonld') as typeof JsonLd;

export const NS = {
  rdf: 'http://www.w3.org/1999/02/22-rdf-syntax-ns#',
  dcat: 'http://www.w3.org/ns/dcat#',
  dct: 'http://purl.org/dc/terms/',
  foaf: 'http://xmlns.com/foaf/0.1/',
  vcard: 'http://www.w3.org/2006/vcard/ns#',
  xsd: 'http://www.w3.org/2001/XMLSchema#',
  skos: 'http://www.w3.org/2004/02/skos/core#',
} as const;

const FILE_TYPE = 'http://publications.europa.eu/resource/authority/file-type';

export type RdfFormat = 'turtle' | 'jsonld' | 'rdfxml';
export const RDF_MEDIA_TYPES: Readonly<Record<RdfFormat, string>> = { turtle: 'text/turtle', jsonld: 'application/ld+json', rdfxml: 'application/rdf+xml' };

/** The catalogue's triples. */
export function catalogQuads(base: string, publisher: Publisher, datasets: readonly OpenDataset[], modified: string): Quad[] {
  const { namedNode, literal, quad, blankNode } = n3().DataFactory;
  const out: Quad[] = [];
  const n = (prefix: keyof typeof NS, local: string) => namedNode(NS[prefix] + local);
  const add = (s: Quad['subject'], p: ReturnType<typeof n>, o: Quad['object']) => out.push(quad(s, p, o));
  const text = (s: string) => literal(s, 'en');
  const dateTime = (s: string) => literal(s, n('xsd', 'dateTime'));
  const a = n('rdf', 'type');
  const catalog = namedNode(`${base}/open-data/catalog`);
  const agent = namedNode(`${base}/open-data/publisher/${publisher.id}`);
  const licence = namedNode(LICENCE.url);
  add(catalog, a, n('dcat', 'Catalog'));
  add(catalog, n('dct', 'title'), text(`${publisher.name} open data`));
  add(catalog, n('dct', 'description'), text(`Open data published by ${publisher.name}: live figures on how its public services perform, computed from the case event log.`));
  add(catalog, n('dct', 'publisher'), agent);
  add(catalog, n('dct', 'modified'), dateTime(modified));
  add(catalog, n('dct', 'license'), licence);
  add(catalog, n('foaf', 'homepage'), namedNode(`${base}/open-data`));
  add(namedNode(`${base}/open-data`), a, n('foaf', 'Document'));
  add(agent, a, n('foaf', 'Agent'));
  add(agent, n('foaf', 'name'), text(publisher.name));
  add(licence, a, n('dct', 'LicenseDocument'));
  add(licence, n('dct', 'title'), text(LICENCE.title));
  const formats = new Set<string>();
  for (const d of datasets) {
    const ds = namedNode(`${base}/open-data/datasets/${d.id}`);
    add(catalog, n('dcat', 'dataset'), ds);
    add(ds, a, n('dcat', 'Dataset'));
    add(ds, n('dct', 'identifier'), literal(d.id));
    add(ds, n('dct', 'title'), text(d.title));
    add(ds, n('dct', 'description'), text(d.description));
    for (const k of d.keywords) add(ds, n('dcat', 'keyword'), text(k));
    add(ds, n('dct', 'publisher'), agent);
    add(ds, n('dct', 'issued'), dateTime(d.issued));
    add(ds, n('dct', 'modified'), dateTime(d.modified));
    add(ds, n('dcat', 'landingPage'), namedNode(d.landingPage));
    add(namedNode(d.landingPage), a, n('foaf', 'Document'));
    const contact = namedNode(`${base}/open-data/publisher/${publisher.id}#contact`);
    add(ds, n('dcat', 'contactPoint'), contact);
    add(contact, a, n('vcard', 'Kind'));
    add(contact, a, n('vcard', 'Organization'));
    add(contact, n('vcard', 'fn'), text(publisher.name));
    add(contact, n('vcard', 'hasEmail'), namedNode(`mailto:${publisher.email}`));
    const period = blankNode(`period-${d.id}`);
    add(ds, n('dct', 'temporal'), period);
    add(period, a, n('dct', 'PeriodOfTime'));
    add(period, n('dcat', 'startDate'), dateTime(d.temporal.start));
    add(period, n('dcat', 'endDate'), dateTime(d.temporal.end));
    for (const dist of d.distributions) {
      const node = namedNode(`${base}/open-data/datasets/${d.id}#${dist.id}`);
      add(ds, n('dcat', 'distribution'), node);
      add(node, a, n('dcat', 'Distribution'));
      add(node, n('dct', 'title'), text(dist.title));
      add(node, n('dct', 'description'), text(dist.description));
      add(node, n('dcat', 'accessURL'), namedNode(dist.url));
      add(node, n('dcat', 'downloadURL'), namedNode(dist.url));
      add(node, n('dct', 'format'), namedNode(`${FILE_TYPE}/${dist.format}`));
      add(node, n('dcat', 'mediaType'), namedNode(`http://www.iana.org/assignments/media-types/${dist.mediaType}`));
      add(node, n('dct', 'license'), licence);
      add(node, n('dct', 'modified'), dateTime(d.modified));
      formats.add(dist.format);
      if (dist.schema) {
        const schema = namedNode(dist.schema);
        add(node, n('dct', 'conformsTo'), schema);
        add(schema, a, n('dct', 'Standard'));
      }
    }
  }
  // The EU file-type concepts and IANA media types as the vocabularies define them (a harvester has them; the
  // SHACL shapes check the concept scheme and class on the data graph).
  for (const f of formats) {
    const concept = namedNode(`${FILE_TYPE}/${f}`);
    add(concept, a, n('dct', 'MediaTypeOrExtent'));
    add(concept, a, n('skos', 'Concept'));
    add(concept, n('skos', 'inScheme'), namedNode(FILE_TYPE));
    add(concept, n('skos', 'prefLabel'), literal(f, 'en'));
  }
  for (const d of datasets) for (const dist of d.distributions) add(namedNode(`http://www.iana.org/assignments/media-types/${dist.mediaType}`), a, n('dct', 'MediaType'));
  return dedupe(out);
}

function dedupe(quads: Quad[]): Quad[] {
  const seen = new Set<string>();
  return quads.filter((q) => {
    const key = `${q.subject.value}|${q.predicate.value}|${q.object.termType}:${q.object.value}|${q.object.termType === 'Literal' ? `${q.object.datatype.value}@${q.object.language}` : ''}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}

const PREFIXES = { dcat: NS.dcat, dct: NS.dct, foaf: NS.foaf, vcard: NS.vcard, xsd: NS.xsd, skos: NS.skos };

export function toTurtle(quads: readonly Quad[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const writer = new (n3().Writer)({ prefixes: PREFIXES });
    writer.addQuads([...quads]);
    writer.end((error, result: string) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(result)));
  });
}

export function toNQuads(quads: readonly Quad[]): Promise<string> {
  return new Promise((resolve, reject) => {
    const writer = new (n3().Writer)({ format: 'N-Quads' });
    writer.addQuads([...quads]);
    writer.end((error, result: string) => (error ? reject(error instanceof Error ? error : new Error(String(error))) : resolve(result)));
  });
}

export async function toJsonLd(quads: readonly Quad[]): Promise<string> {
  const expanded = await jsonld().fromRDF(await toNQuads(quads), { format: 'application/n-quads' });
  const compacted = await jsonld().compact(expanded, { ...PREFIXES });
  return JSON.stringify(compacted, null, 2);
}

const xml = (s: string): string => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

/** RDF/XML, one rdf:Description per subject with full-IRI property elements split at the namespace. */
export function toRdfXml(quads: readonly Quad[]): string {
  const prefixOf = new Map(Object.entries({ rdf: NS.rdf, ...PREFIXES }).map(([p, ns]) => [ns, p]));
  const qname = (iri: string): string => {
    for (const [ns, p] of prefixOf) if (iri.startsWith(ns) && /^[A-Za-z_][A-Za-z0-9_.-]*$/.test(iri.slice(ns.length))) return `${p}:${iri.slice(ns.length)}`;
    throw new Error(`no prefix for property ${iri}`);
  };
  const bySubject = new Map<string, Quad[]>();
  for (const q of quads) {
    const key = `${q.subject.termType}:${q.subject.value}`;
    bySubject.set(key, [...(bySubject.get(key) ?? []), q]);
  }
  const lines = ['<?xml version="1.0" encoding="utf-8"?>', `<rdf:RDF ${[...prefixOf].map(([ns, p]) => `xmlns:${p}="${xml(ns)}"`).join(' ')}>`];
  for (const group of bySubject.values()) {
    const s = group[0]!.subject;
    lines.push(s.termType === 'BlankNode' ? `  <rdf:Description rdf:nodeID="${xml(s.value)}">` : `  <rdf:Description rdf:about="${xml(s.value)}">`);
    for (const q of group) {
      const p = qname(q.predicate.value);
      const o = q.object;
      if (o.termType === 'NamedNode') lines.push(`    <${p} rdf:resource="${xml(o.value)}"/>`);
      else if (o.termType === 'BlankNode') lines.push(`    <${p} rdf:nodeID="${xml(o.value)}"/>`);
      else if (o.termType === 'Literal' && o.language) lines.push(`    <${p} xml:lang="${xml(o.language)}">${xml(o.value)}</${p}>`);
      else if (o.termType === 'Literal' && o.datatype.value !== `${NS.xsd}string`) lines.push(`    <${p} rdf:datatype="${xml(o.datatype.value)}">${xml(o.value)}</${p}>`);
      else lines.push(`    <${p}>${xml(o.value)}</${p}>`);
    }
    lines.push('  </rdf:Description>');
  }
  lines.push('</rdf:RDF>');
  return `${lines.join('\n')}\n`;
}

/** Which serialisation a request asks for: a suffix wins, then the Accept header (quality values honoured). */
export function negotiateRdf(suffix: string | undefined, accept: string | undefined): RdfFormat | 'html' | null {
  if (suffix === 'ttl') return 'turtle';
  if (suffix === 'jsonld') return 'jsonld';
  if (suffix === 'rdf') return 'rdfxml';
  if (suffix !== undefined) return null;
  const wanted = (accept ?? '').split(',').map((part, i) => {
    const [type, ...params] = part.trim().toLowerCase().split(';');
    const q = params.map((p) => p.trim()).find((p) => p.startsWith('q='));
    return { type: type ?? '', q: q ? Number(q.slice(2)) : 1, i };
  }).filter((w) => w.q > 0).sort((x, y) => y.q - x.q || x.i - y.i);
  for (const w of wanted) {
    if (w.type === 'text/turtle' || w.type === 'application/x-turtle') return 'turtle';
    if (w.type === 'application/ld+json' || w.type === 'application/json') return 'jsonld';
    if (w.type === 'application/rdf+xml' || w.type === 'application/xml') return 'rdfxml';
    if (w.type === 'text/html' || w.type === 'application/xhtml+xml') return 'html';
    if (w.type === '*/*' || w.type === 'text/*') return 'turtle';
  }
  return wanted.length === 0 ? 'turtle' : null;
}
