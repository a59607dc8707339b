import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { inflateSync } from 'node:zlib';
import type Fontkit from '@pdf-lib/fontkit';
import type * as PdfLib from 'pdf-lib';
import type { PDFDocument, PDFFont, PDFPage } from 'pdf-lib';
import type * as QRCodeLib from 'qrcode';
import { formatDay, translate, type AnyLanguage, type MessageKey, type MessageValues } from '../i18n/index.js';
import type { DecisionPayload } from './decision.js';

export const JWS_ATTACHMENT_NAME = 'decision.jws';

/**
 * Letters for every name (issue 21): the letter is set in DejaVu Sans, shipped by the `dejavu-fonts-ttf` package
 * (never a system font), which covers Latin with its extensions, Greek and Cyrillic, so "Łukasz Żółć",
 * "Дмитрий Иванов" and "Jüri Õunapuu" print as written. The fonts are read once and embedded as subsets (only the
 * glyphs a letter uses). A character even DejaVu lacks is shown as '?' (the signed JWS keeps the exact text).
 */
const require = createRequire(import.meta.url);
// pdf-lib, fontkit and qrcode are some 200 modules: loaded when the first letter is drawn or read, not by every
// process that imports this module (the CLI, the portal, every test).
const pdf = (): typeof PdfLib => require('pdf-lib') as typeof PdfLib;
const fontkit = (): typeof Fontkit => require('@pdf-lib/fontkit') as typeof Fontkit;
const qrcode = (): typeof QRCodeLib => require('qrcode') as typeof QRCodeLib;
let fontBytes: Promise<{ regular: Uint8Array; bold: Uint8Array }> | undefined;
const letterFonts = (): Promise<{ regular: Uint8Array; bold: Uint8Array }> => (fontBytes ??= Promise.all([
  readFile(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans.ttf')), readFile(require.resolve('dejavu-fonts-ttf/ttf/DejaVuSans-Bold.ttf')),
]).then(([regular, bold]) => ({ regular, bold })));

/** Line breaks are paragraph breaks, handled before this; a character the font lacks becomes '?'. */
function printable(text: string, font: PDFFont): string {
  const known = new Set(font.getCharacterSet());
  return [...text.normalize('NFC')].map((ch) => (ch === ' ' || known.has(ch.codePointAt(0)!) ? ch : '?')).join('');
}

function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of printable(text.replace(/\s+/g, ' '), font).split(' ').filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (font.widthOfTextAtSize(next, size) > width && line) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

/** A text's paragraphs: a line break typed in the reasons is a new paragraph, never a '?' in the letter. */
const paragraphs = (text: string): string[] => text.split(/\r\n|\r|\n/).map((p) => p.trim()).filter(Boolean);

const TITLES: Readonly<Record<string, MessageKey>> = { permit: 'letter.title.permit', licence: 'letter.title.licence', benefit: 'letter.title.benefit' };

/** The QR code's PNG: the verification URL, error-correction level M. */
export async function qrPng(url: string): Promise<Buffer> {
  return qrcode().toBuffer(url, { type: 'png', errorCorrectionLevel: 'M', margin: 4, scale: 4 });
}

/**
 * The decision as a PDF for people, carrying its own proof: the JWS is attached as `decision.jws`. The dates in the
 * file come from the decision, but pdf-lib names embedded fonts with random suffixes, so two renderings differ in
 * bytes: the issued PDF is stored and every download returns those exact bytes.
 */
export async function renderDecisionPdf(payload: DecisionPayload, jws: string, verifyUrl: string, language: AnyLanguage = 'en'): Promise<Uint8Array> {
  const issued = new Date(payload.issuedAt);
  const letter = payload.letter;
  const say = (key: MessageKey, values?: MessageValues): string => translate(language, key, values);
  const day = (iso: string): string => formatDay(iso, language);
  const { PDFDocument, rgb } = pdf();
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.registerFontkit(fontkit());
  const fonts = await letterFonts();
  const regular = await doc.embedFont(fonts.regular, { subset: true });
  const bold = await doc.embedFont(fonts.bold, { subset: true });
  const titleKey = TITLES[payload.decisionType];
  const title = letter?.headline ?? (titleKey ? say(titleKey) : say('letter.title.other', { type: payload.decisionType }));
  doc.setTitle(`${printable(title, regular)} ${payload.reference}`);
  doc.setAuthor(printable(payload.issuer.name, regular));
  doc.setCreationDate(issued);
  doc.setModificationDate(issued);
  const size = [595.28, 841.89] as [number, number]; // A4
  let page: PDFPage = doc.addPage(size);
  const left = 56;
  const width = size[0] - 2 * left;
  let y = size[1] - 72;
  // A long letter (reasons of several paragraphs) continues on a new page rather than running off the bottom.
  const room = (needed: number): void => {
    if (y - needed >= 56) return;
    page = doc.addPage(size);
    y = size[1] - 72;
  };
  const write = (text: string, options: { size?: number; font?: PDFFont; gap?: number; indent?: number } = {}): void => {
    const fontSize = options.size ?? 11;
    const font = options.font ?? regular;
    const indent = options.indent ?? 0;
    for (const line of wrap(text, font, fontSize, width - indent)) {
      room(fontSize * 1.35);
      page.drawText(line, { x: left + indent, y, size: fontSize, font, color: rgb(0.04, 0.05, 0.05) });
      y -= fontSize * 1.35;
    }
    y -= options.gap ?? 4;
  };
  const heading = (text: string): void => {
    y -= 8;
    room(60);
    write(text, { size: 13, font: bold });
  };
  write(payload.issuer.name, { size: 12, font: bold });
  write(title, { size: 20, font: bold, gap: 10 });
  write(say('letter.service', { service: letter?.serviceName ?? payload.service }));
  write(say('letter.reference', { reference: payload.reference }));
  write(say('letter.issuedTo', { name: letter?.applicant ?? payload.subject.name }));
  if (payload.subject.nationalId) write(say('letter.nationalId', { id: payload.subject.nationalId }));
  write(say('letter.date', { date: day(payload.issuedAt) }));
  if (payload.validFrom) write(say('letter.validFrom', { date: day(payload.validFrom) }));
  if (payload.validUntil) write(say('letter.validUntil', { date: day(payload.validUntil) }));
  y -= 6;
  write(say(payload.outcome === 'approved' ? 'letter.outcomeApproved' : 'letter.outcomeRefused'), { size: 16, font: bold, gap: 8 });
  if (letter && letter.decidedOn.length > 0) {
    heading(say('letter.decidedOn'));
    for (const line of letter.decidedOn) write(`${line.label}: ${line.value}`);
  }
  if (payload.reasons.length > 0) {
    heading(say(payload.outcome === 'approved' ? 'letter.whyApproved' : 'letter.whyRefused'));
    for (const reason of payload.reasons) for (const paragraph of paragraphs(reason)) write(paragraph, { gap: 6 });
  }
  if (letter && letter.terms.length > 0) {
    heading(say('letter.whatThisMeans'));
    for (const term of letter.terms) write(term, { gap: 6 });
  }
  if (letter) {
    heading(say('letter.howToAppeal'));
    for (const paragraph of paragraphs(letter.appeal.text)) write(paragraph, { gap: 6 });
    write(say('letter.lastDayToAppeal', { date: day(letter.appeal.by) }), { font: bold });
    heading(say('letter.whoDecided'));
    write(`${letter.decidedBy.role}, ${letter.decidedBy.department}, ${payload.issuer.name}`);
  }
  heading(say('letter.checkGenuine'));
  write(say('letter.verify', { url: verifyUrl, code: payload.verificationCode }));
  const qr = await doc.embedPng(await qrPng(verifyUrl));
  const side = 132;
  room(side + 8);
  page.drawImage(qr, { x: left, y: y - side, width: side, height: side });
  page.drawText(printable(payload.verificationCode, bold), { x: left + side + 16, y: y - side / 2, size: 18, font: bold });
  await doc.attach(Buffer.from(jws, 'utf8'), JWS_ATTACHMENT_NAME, {
    mimeType: 'application/jose', description: 'The signed decision (JWS, EdDSA); verify it against the agency JWKS',
    creationDate: issued, modificationDate: issued,
  });
  return doc.save({ useObjectStreams: false });
}

/** Reads the `decision.jws` attachment back out of a PDF (null when the file has none or is not a PDF). */
export async function extractJwsFromPdf(bytes: Uint8Array): Promise<string | null> {
  const { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, PDFString, PDFHexString } = pdf();
  let doc: PDFDocument;
  try {
    doc = await PDFDocument.load(bytes, { updateMetadata: false });
  } catch {
    return null;
  }
  const names = doc.catalog.lookupMaybe(PDFName.of('Names'), PDFDict);
  const embedded = names?.lookupMaybe(PDFName.of('EmbeddedFiles'), PDFDict);
  const list = embedded?.lookupMaybe(PDFName.of('Names'), PDFArray);
  if (!list) return null;
  for (let i = 0; i + 1 < list.size(); i += 2) {
    const name = list.lookup(i);
    const text = name instanceof PDFString || name instanceof PDFHexString ? name.decodeText() : '';
    if (text !== JWS_ATTACHMENT_NAME) continue;
    const spec = list.lookupMaybe(i + 1, PDFDict);
    const stream = spec?.lookupMaybe(PDFName.of('EF'), PDFDict)?.lookup(PDFName.of('F'));
    if (!(stream instanceof PDFRawStream)) return null;
    const filter = stream.dict.lookup(PDFName.of('Filter'));
    try {
      const raw = filter === PDFName.of('FlateDecode') ? inflateSync(stream.contents) : Buffer.from(stream.contents);
      return raw.toString('utf8');
    } catch {
      return null;
    }
  }
  return null;
}
