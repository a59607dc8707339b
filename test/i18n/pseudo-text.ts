// What a pseudo-locale page shows outside the i18n layer: shared by the citizen and the staff pseudo-locale tests.

// The layout writes its title's dash as an entity (src/web/layout.ts): decoded like the others.
const ENTITIES: Record<string, string> = { '&amp;': '&', '&lt;': '<', '&gt;': '>', '&quot;': '"', '&#39;': "'", '&#96;': '`', '&nbsp;': ' ', '&ndash;': '–' };
const decode = (s: string): string => s.replace(/&(?:amp|lt|gt|quot|#39|#96|nbsp|ndash);/g, (e) => ENTITIES[e] ?? e);

/** The visible words of a page outside any ⟦…⟧: text nodes, the title and the attributes people read. */
export function untranslated(page: string, data: readonly string[]): string[] {
  const body = page.replace(/<script[\s\S]*?<\/script>|<style[\s\S]*?<\/style>/g, ' ');
  const texts = [
    ...body.replace(/<[^>]*>/g, '\n').split('\n'),
    ...[...body.matchAll(/\s(?:aria-label|alt|title|placeholder)="([^"]*)"/g)].map((m) => m[1]!),
  ];
  const found: string[] = [];
  for (const raw of texts) {
    let text = decode(raw);
    while (/⟦[^⟦⟧]*⟧/.test(text)) text = text.replace(/⟦[^⟦⟧]*⟧/g, ' ');
    for (const d of data) text = text.split(d).join(' ');
    text = text.replace(/\b[A-Z]{1,5}-\d{4}-\d{6,12}\b/g, ' ');
    if (/[A-Za-z]{2,}/.test(text)) found.push(text.trim().replace(/\s+/g, ' '));
  }
  return [...new Set(found)];
}
