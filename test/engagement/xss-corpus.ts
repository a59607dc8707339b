// Hostile text for every field people type into proposals, debates, comments and abuse reports: script tags,
// event handlers, javascript:/vbscript:/data: URLs (plain, mixed case, entity-encoded, split by whitespace), SVG and
// MathML, markup that breaks out of attributes, HTML entities, and Markdown that nests or never closes. Each item
// that could run sets window.__xss and opens a dialog, so a browser test sees any that does.
export const XSS_CORPUS: readonly string[] = [
  '<script>window.__xss=1;alert(1)</script>',
  '<img src=x onerror="window.__xss=1;alert(1)">',
  '<svg onload="window.__xss=1;alert(1)"><circle r="40"/></svg>',
  '<svg><script>window.__xss=1;alert(1)</script></svg>',
  '<math><mtext><table><mglyph><style><img src=x onerror="window.__xss=1;alert(1)"></style></mglyph></table></mtext></math>',
  '<iframe src="javascript:window.__xss=1;alert(1)"></iframe>',
  '<a href="javascript:window.__xss=1;alert(1)">a link</a>',
  '<details open ontoggle="window.__xss=1;alert(1)"><summary>x</summary></details>',
  '<body onload="window.__xss=1;alert(1)">',
  '<style>body{display:none}</style>',
  '<meta http-equiv="refresh" content="0;url=javascript:alert(1)">',
  '<form action="javascript:alert(1)"><button>Press</button></form>',
  '"><script>window.__xss=1;alert(1)</script>',
  '\'><img src=x onerror=window.__xss=1;alert(1)>',
  '<<script>script>window.__xss=1;alert(1)<</script>/script>',
  '&lt;script&gt;window.__xss=1;alert(1)&lt;/script&gt;',
  '&#60;script&#62;alert(1)&#60;/script&#62;',
  '[plain javascript](javascript:window.__xss=1;alert(1))',
  '[mixed case](JaVaScRiPt:window.__xss=1;alert(1))',
  '[entity encoded](&#106;&#97;&#118;&#97;&#115;&#99;&#114;&#105;&#112;&#116;&#58;window.__xss=1;alert(1))',
  '[tab inside](java\tscript:window.__xss=1;alert(1))',
  '[vbscript](vbscript:msgbox(1))',
  '[data html](data:text/html;base64,PHNjcmlwdD53aW5kb3cuX194c3M9MTthbGVydCgxKTwvc2NyaXB0Pg==)',
  '[data svg](data:image/svg+xml,<svg onload=alert(1)>)',
  '![image](javascript:window.__xss=1;alert(1))',
  '![x](x" onerror="window.__xss=1;alert(1))',
  '<javascript:window.__xss=1;alert(1)>',
  '[title break](https://example.org "a\\" onmouseover=\\"window.__xss=1;alert(1)")',
  'https://example.org/"><script>window.__xss=1;alert(1)</script>',
  '[ref link][r]\n\n[r]: javascript:window.__xss=1;alert(1)',
  '**<b onmouseover="window.__xss=1;alert(1)">bold</b>**',
  '`<script>alert(1)</script>` and ```\n<script>alert(1)</script>\n```',
  '> > > > > > > > > > [deep quote](javascript:alert(1)',
  '***[**[*[**unclosed](',
  '- a\n  - b\n    - c\n      - d\n        - e <img src=x onerror=alert(1)>',
  `${'['.repeat(200)}x${'](javascript:alert(1))'.repeat(50)}`,
  `${'*'.repeat(300)} ${'_'.repeat(300)}`,
  '<!-- <script>alert(1)</script> -->',
  '<![CDATA[<script>alert(1)</script>]]>',
  '\u202Egnp.exe <script>alert(1)</script>',
];

/** The whole corpus as one text (a proposal's or comment's body). */
export const XSS_TEXT = XSS_CORPUS.join('\n\n');

/** Short hostile lines for one-line fields (titles, names): each within 150 characters. */
export const XSS_TITLES: readonly string[] = [
  '<script>window.__xss=1;alert(1)</script> please fix the park',
  '"><img src=x onerror="window.__xss=1;alert(1)"> new bike lanes',
  '<svg onload="window.__xss=1;alert(1)"> &lt;b&gt; [x](javascript:alert(1))',
];
