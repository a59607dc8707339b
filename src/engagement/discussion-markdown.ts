/**
 * Markdown as citizens and officials write it in proposals, debates and comments, rendered for public pages. Two
 * layers, so that a bug in one is not a hole: markdown-it with raw HTML off (any `<tag>` written is text), then
 * sanitize-html on its output with a short allow-list — no attributes but a link's href and title, links only to
 * http, https and mailto, no images (a remote image would let a commenter track readers), every link
 * rel="nofollow ugc noopener" (Google's markings for user-generated links).
 */
import MarkdownIt from 'markdown-it';
import sanitizeHtml from 'sanitize-html';
import { SafeHtml } from '../web/index.js';

const markdown = new MarkdownIt({ html: false, linkify: true, typographer: false, breaks: false });
// markdown-it's own check refuses javascript:, vbscript:, file: and most data: links; the sanitiser below is the
// allow-list. Headings inside a comment would break the page's outline (WCAG 1.3.1), so they render as paragraphs
// of strong text.
markdown.disable(['image', 'heading', 'lheading', 'table']);

const POLICY: sanitizeHtml.IOptions = {
  allowedTags: ['p', 'br', 'strong', 'em', 's', 'code', 'pre', 'blockquote', 'ul', 'ol', 'li', 'a', 'hr'],
  allowedAttributes: { a: ['href', 'title'], ol: ['start'] },
  allowedSchemes: ['http', 'https', 'mailto'],
  allowedSchemesAppliedToAttributes: ['href'],
  allowProtocolRelative: false,
  disallowedTagsMode: 'escape',
  transformTags: {
    a: (tagName, attribs) => ({ tagName, attribs: { ...attribs, class: 'govuk-link', rel: 'nofollow ugc noopener' } }),
    p: (tagName, attribs) => ({ tagName, attribs: { ...attribs, class: 'govuk-body' } }),
  },
};
// The classes and rel added above pass the sanitiser because transformTags runs before its attribute filter.
POLICY.allowedAttributes = { a: ['href', 'title', 'class', 'rel'], ol: ['start'], p: ['class'] };
POLICY.allowedClasses = { a: ['govuk-link'], p: ['govuk-body'] };

/** The longest text rendered (characters); the pages' forms refuse longer, so this only bounds stored rows. */
export const MAX_MARKDOWN = 10_000;

/** Renders a citizen's or official's Markdown to inert HTML for a public page. */
export function renderMarkdown(text: string): SafeHtml {
  return new SafeHtml(sanitizeHtml(markdown.render(text.slice(0, MAX_MARKDOWN)), POLICY));
}
