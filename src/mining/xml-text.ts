/** XML text helpers shared by the readers and writers. */

const NAMED: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };

/** Decodes the five predefined entities and character references; returns undefined for an unknown entity. */
export function decodeEntities(text: string): string | undefined {
  if (!text.includes('&')) return text;
  let bad = false;
  const out = text.replace(/&(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);?/g, (match, body: string) => {
    if (!match.endsWith(';')) {
      bad = true;
      return match;
    }
    if (body.startsWith('#x')) return safeCodePoint(parseInt(body.slice(2), 16), () => (bad = true));
    if (body.startsWith('#')) return safeCodePoint(parseInt(body.slice(1), 10), () => (bad = true));
    const named = NAMED[body];
    if (named === undefined) bad = true;
    return named ?? match;
  });
  // A bare '&' not followed by an entity is not well-formed XML either.
  if (/&(?!(#x[0-9a-fA-F]+|#[0-9]+|[A-Za-z]+);)/.test(text)) bad = true;
  return bad ? undefined : out;
}

function safeCodePoint(cp: number, onBad: () => void): string {
  if (!Number.isFinite(cp) || cp < 0 || cp > 0x10ffff) {
    onBad();
    return '';
  }
  return String.fromCodePoint(cp);
}

export function escapeXml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => (c === '&' ? '&amp;' : c === '<' ? '&lt;' : c === '>' ? '&gt;' : c === '"' ? '&quot;' : '&apos;'));
}
