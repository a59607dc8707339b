// Markdown of proposals, debates and comments (src/engagement/discussion-markdown.ts) on the hostile corpus, as
// strings: what comes out has no element or attribute outside the allow-list and no link but http, https or mailto.
// (participation-pages.test.ts checks the same text in Chromium.) Ordinary Markdown still renders.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { renderMarkdown } from '../../src/engagement/index.js';
import { XSS_CORPUS, XSS_TEXT } from './xss-corpus.js';

const ALLOWED = new Set(['p', 'br', 'strong', 'em', 's', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'hr']);

function problemsOf(out: string): string[] {
  const problems: string[] = [];
  for (const m of out.matchAll(/<\/?([a-zA-Z][\w:-]*)([^>]*)>/g)) {
    const [tag, name, attrs] = [m[0], m[1]!.toLowerCase(), m[2] ?? ''];
    if (!ALLOWED.has(name)) problems.push(`element ${tag}`);
    for (const a of attrs.matchAll(/([^\s=]+)\s*=\s*("[^"]*"|'[^']*'|[^\s>]+)/g)) {
      const attr = a[1]!.toLowerCase();
      const value = a[2]!.replace(/^["']|["']$/g, '');
      if (!['href', 'title', 'class', 'rel', 'start'].includes(attr)) problems.push(`attribute ${attr} in ${tag}`);
      if (attr === 'href' && !/^(https?:|mailto:)/i.test(value)) problems.push(`link ${value}`);
    }
  }
  return problems;
}

it('renders every item of the hostile corpus, alone and all together, to allow-listed markup only', () => {
  for (const text of [...XSS_CORPUS, XSS_TEXT]) {
    const out = renderMarkdown(text).value;
    assert.deepEqual(problemsOf(out), [], `rendering ${JSON.stringify(text.slice(0, 80))} gave ${out.slice(0, 300)}`);
  }
});

it('shows written markup as text, not as markup', () => {
  const out = renderMarkdown('<script>alert(1)</script> and <b>bold</b>').value;
  assert.match(out, /&lt;script&gt;alert\(1\)&lt;\/script&gt; and &lt;b&gt;bold&lt;\/b&gt;/);
});

it('still renders ordinary Markdown: emphasis, lists, quotes, code and safe links marked as user content', () => {
  const out = renderMarkdown('Some **strong** and *emphasis*.\n\n- one\n- two\n\n> quoted\n\n`code` and https://example.org/park').value;
  assert.match(out, /<strong>strong<\/strong>/);
  assert.match(out, /<em>emphasis<\/em>/);
  assert.match(out, /<ul>\s*<li>one<\/li>\s*<li>two<\/li>\s*<\/ul>/);
  assert.match(out, /<blockquote>/);
  assert.match(out, /<code>code<\/code>/);
  assert.match(out, /<a href="https:\/\/example.org\/park" class="govuk-link" rel="nofollow ugc noopener">/);
  assert.doesNotMatch(renderMarkdown('# A heading').value, /<h1/, 'headings would break the page outline');
});
