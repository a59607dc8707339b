import { inflateSync } from 'node:zlib';
import { PDFArray, PDFDict, PDFDocument, PDFName, PDFRawStream, PDFString, PDFHexString, StandardFonts, rgb, type PDFFont, type PDFPage } from 'pdf-lib';
import QRCode from 'qrcode';
import type { DecisionPayload } from './decision.js';

export const JWS_ATTACHMENT_NAME = 'decision.jws';

/** The standard PDF fonts only encode WinAnsi; anything else is shown as '?' (the signed JWS keeps the exact text). */
function printable(text: string): string {
  return text.normalize('NFC').replace(/[^\x20-\x7e\u00a0-\u00ff]/g, '?');
}

function wrap(text: string, font: PDFFont, size: number, width: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of printable(text).split(/\s+/).filter(Boolean)) {
    const next = line ? `${line} ${word}` : word;
    if (font.widthOfTextAtSize(next, size) > width && line) {
      lines.push(line);
      line = word;
    } else line = next;
  }
  if (line) lines.push(line);
  return lines;
}

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
  const doc = await PDFDocument.create({ updateMetadata: false });
  doc.setTitle(`${TITLES[payload.decisionType] ?? 'Decision'} ${payload.reference}`);
  doc.setAuthor(printable(payload.issuer.name));
  doc.setCreationDate(issued);
  doc.setModificationDate(issued);
  const regular = await doc.embedFont(StandardFonts.Helvetica);
  const bold = await doc.embedFont(StandardFonts.HelveticaBold);
  const page: PDFPage = doc.addPage([595.28, 841.89]); // A4
  const left = 56;
  const width = 595.28 - 2 * left;
  let y = 841.89 - 72;
  const write = (text: string, options: { size?: number; font?: PDFFont; gap?: number } = {}): void => {
    const size = options.size ?? 11;
    const font = options.font ?? regular;
    for (const line of wrap(text, font, size, width)) {
      page.drawText(line, { x: left, y, size, font, color: rgb(0.04, 0.05, 0.05) });
      y -= size * 1.35;
    }
    y -= options.gap ?? 4;
  };
  write(payload.issuer.name, { size: 12, font: bold });
  write(TITLES[payload.decisionType] ?? `Decision (${payload.decisionType})`, { size: 22, font: bold, gap: 10 });
  write(`Reference: ${payload.reference}`);
  write(`Service: ${payload.service}`);
  write(`Issued to: ${payload.subject.name}`);
  if (payload.subject.nationalId) write(`National identity number: ${payload.subject.nationalId}`);
  write(`Issued on: ${payload.issuedAt.slice(0, 10)}`);
  if (payload.validFrom) write(`Valid from: ${payload.validFrom.slice(0, 10)}`);
  if (payload.validUntil) write(`Valid until: ${payload.validUntil.slice(0, 10)}`);
  y -= 6;
  write(`Outcome: ${payload.outcome === 'approved' ? 'Approved' : 'Refused'}`, { size: 16, font: bold, gap: 8 });
  if (payload.reasons.length > 0) {
    write('Reasons', { size: 13, font: bold });
    for (const reason of payload.reasons) write(`- ${reason}`);
  }
  y -= 10;
  write('Check that this decision is genuine', { size: 13, font: bold });
  write(`Go to ${verifyUrl} or scan the QR code. Verification code: ${payload.verificationCode}`);
  const qr = await doc.embedPng(await qrPng(verifyUrl));
  const side = 132;
  page.drawImage(qr, { x: left, y: Math.max(40, y - side), width: side, height: side });
  page.drawText(printable(payload.verificationCode), { x: left + side + 16, y: Math.max(40, y - side) + side / 2, size: 18, font: bold });
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
