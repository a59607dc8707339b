import { inflateSync } from 'node:zlib';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, PDFString, PDFHexString, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import QRCode from 'qrcode';
import type { DecisionPayload } from './decision.js';

export const JWS_ATTACHMENT_NAME = 'decision.jws';

/**
 * The standard PDF fonts encode WinAnsi only: typographic quotes, dashes and the euro sign are kept, anything else
 * is shown as '?' (the signed JWS keeps the exact text). Line breaks are paragraph breaks, handled before this.
 */
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

const day = (iso: string): string => {
  const m = /^(\d{4})-(\d{2})-(\d{2})/.exec(iso);
  const months = ['January', 'February', 'March', 'April', 'May', 'June', 'July', 'August', 'September', 'October', 'November', 'December'];
  return m ? `${Number(m[3])} ${months[Number(m[2]) - 1]} ${m[1]}` : iso;
};

const TITLES: Record<string, string> = { permit: 'Permit decision', licence: 'Licence decision', benefit: 'Benefit decision' };

/** The QR code's PNG: the verification URL, error-correction level M. */
export async function qrPng(url: string): Promise<Buffer> {
  return QRCode.toBuffer(url, { type: 'png', errorCorrectionLevel: 'M', margin: 4, scale: 4 });
}

/**
 * The decision as a PDF for people, carrying its own proof: the JWS is attached as `decision.jws`. The dates in the
 * file come from the decision, but pdf-lib names embedded fonts with random suffixes, so two renderings differ in
 * bytes: the issued PDF is stored and every download returns those exact bytes.
 */
export async function renderDecisionPdf(payload: DecisionPayload, jws: string, verifyUrl: string): Promise<Uint8Array> {
  const issued = new Date(payload.issuedAt);
  const letter = payload.letter;
  const doc = await PDFDocument.create({ updateMetadata: false });
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const title = letter?.headline ?? TITLES[payload.decisionType] ?? `Decision (${payload.decisionType})`;
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
  write(`Service: ${letter?.serviceName ?? payload.service}`);
  write(`Reference: ${payload.reference}`);
  write(`Issued to: ${letter?.applicant ?? payload.subject.name}`);
  if (payload.subject.nationalId) write(`National identity number: ${payload.subject.nationalId}`);
  write(`Date of decision: ${day(payload.issuedAt)}`);
  if (payload.validFrom) write(`Valid from: ${day(payload.validFrom)}`);
  if (payload.validUntil) write(`Valid until: ${day(payload.validUntil)}`);
  y -= 6;
  write(`Outcome: ${payload.outcome === 'approved' ? 'Approved' : 'Refused'}`, { size: 16, font: bold, gap: 8 });
  if (letter && letter.decidedOn.length > 0) {
    heading('What we decided on');
    for (const line of letter.decidedOn) write(`${line.label}: ${line.value}`);
  }
  if (payload.reasons.length > 0) {
    heading(payload.outcome === 'approved' ? 'Why we approved it' : 'Why we refused it');
    for (const reason of payload.reasons) for (const paragraph of paragraphs(reason)) write(paragraph, { gap: 6 });
  }
  if (letter && letter.terms.length > 0) {
    heading('What this means');
    for (const term of letter.terms) write(term, { gap: 6 });
  }
  if (letter) {
    heading('How to appeal');
    for (const paragraph of paragraphs(letter.appeal.text)) write(paragraph, { gap: 6 });
    write(`Last day to appeal: ${day(letter.appeal.by)}`, { font: bold });
    heading('Who decided');
    write(`${letter.decidedBy.role}, ${letter.decidedBy.department}, ${payload.issuer.name}`);
  }
  heading('Check that this decision is genuine');
  write(`Go to ${verifyUrl} or scan the QR code. Verification code: ${payload.verificationCode}`);
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
