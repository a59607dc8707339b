// The text a person (or a screen reader) gets out of a PDF, read by Mozilla's pdf.js: an independent reader, so a
// letter test checks what the file says, not what our renderer meant to draw.
import { getDocument } from 'pdfjs-dist/legacy/build/pdf.mjs';

/** Every page's text, one line per text line as pdf.js reports it, pages separated by a blank line. */
export async function pdfText(bytes: Uint8Array): Promise<string> {
  const doc = await getDocument({ data: new Uint8Array(bytes), useSystemFonts: false, isEvalSupported: false, verbosity: 0 }).promise;
  const pages: string[] = [];
  try {
    for (let n = 1; n <= doc.numPages; n++) {
      const content = await (await doc.getPage(n)).getTextContent();
      let line = '';
      const lines: string[] = [];
      for (const item of content.items) {
        if (!('str' in item)) continue;
        line += item.str;
        if (item.hasEOL) {
          lines.push(line);
          line = '';
        }
      }
      if (line) lines.push(line);
      pages.push(lines.join('\n'));
    }
  } finally {
    await doc.destroy();
  }
  return pages.join('\n\n');
}

/** The text with lines joined by spaces: a wrapped sentence reads as one. */
export const flowed = (text: string): string => text.replace(/\s+/g, ' ');
