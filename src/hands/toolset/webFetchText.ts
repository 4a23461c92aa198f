/**
 * Turning a fetched body into text for the model, cheaply and without a dependency: the charset
 * from the header (or an HTML `<meta>`), HTML reduced to readable text (scripts, styles and
 * markup dropped; headings, lists, links, code and tables kept in a light Markdown), and a
 * truncation to `max_content_tokens` at ≈4 characters per token.
 */

export type BodyKind = 'html' | 'text' | 'binary';

const TEXT_TYPES = new Set([
  'application/json',
  'application/xml',
  'application/javascript',
  'application/ecmascript',
  'application/x-javascript',
  'application/x-yaml',
  'application/yaml',
  'application/toml',
  'application/x-sh',
  'application/x-httpd-php',
  'application/sql',
  'application/graphql',
  'application/x-ndjson',
  'application/csv',
  'application/x-www-form-urlencoded',
]);

/** The media type without parameters, lower case ('' when absent). */
export function mediaType(contentType: string): string {
  return (contentType.split(';')[0] ?? '').trim().toLowerCase();
}

/** What to do with a body: html → readable text, text → as is, binary → refused. */
export function classifyBody(contentType: string, body: Buffer): BodyKind {
  const type = mediaType(contentType);
  if (type === 'text/html' || type === 'application/xhtml+xml') return 'html';
  if (type.startsWith('text/') || TEXT_TYPES.has(type) || type.endsWith('+json') || type.endsWith('+xml'))
    return 'text';
  if (type !== '' && type !== 'application/octet-stream' && type !== 'binary/octet-stream') return 'binary';
  // No useful type: sniff. No NUL byte and valid UTF-8 is text; markup at the start is HTML.
  const head = body.subarray(0, 8192);
  if (head.includes(0)) return 'binary';
  try {
    new TextDecoder('utf-8', { fatal: true }).decode(head.subarray(0, lastCompleteUtf8(head)));
  } catch {
    return 'binary';
  }
  return /^\s*(<!doctype html|<html[\s>]|<head[\s>]|<body[\s>])/i.test(head.toString('latin1')) ? 'html' : 'text';
}

/** The length of the prefix that does not end in the middle of a UTF-8 sequence. */
function lastCompleteUtf8(bytes: Buffer): number {
  let end = bytes.length;
  for (let back = 1; back <= 3 && end - back >= 0; back++) {
    const byte = bytes[end - back] ?? 0;
    if ((byte & 0xc0) === 0x80) continue; // continuation byte: keep looking for the lead
    if (byte >= 0xc0) {
      const need = byte >= 0xf0 ? 4 : byte >= 0xe0 ? 3 : 2;
      if (need > back) end -= back;
    }
    break;
  }
  return end;
}

/** Decodes with the declared charset (header, then `<meta>` for HTML); UTF-8 when unknown. */
export function decodeBody(body: Buffer, contentType: string, kind: BodyKind): string {
  let charset = /;\s*charset\s*=\s*"?([^";\s]+)/i.exec(contentType)?.[1];
  if (!charset && kind === 'html') {
    const head = body.subarray(0, 4096).toString('latin1');
    charset =
      /<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_:.-]+)/i.exec(head)?.[1] ??
      /<meta[^>]+content\s*=\s*["'][^"']*charset=([A-Za-z0-9_:.-]+)/i.exec(head)?.[1];
  }
  try {
    return new TextDecoder(charset ?? 'utf-8').decode(body);
  } catch {
    return new TextDecoder('utf-8').decode(body);
  }
}

/** Cuts text to ≈`maxTokens` tokens (4 characters each), on a line or word boundary when one is near. */
export function truncateToTokens(text: string, maxTokens: number): { text: string; truncated: boolean } {
  const maxChars = maxTokens * 4;
  if (text.length <= maxChars) return { text, truncated: false };
  let cut = text.lastIndexOf('\n', maxChars);
  if (cut < maxChars * 0.8) cut = text.lastIndexOf(' ', maxChars);
  if (cut < maxChars * 0.8) cut = maxChars;
  // never split a surrogate pair
  const code = text.charCodeAt(cut - 1);
  if (code >= 0xd800 && code <= 0xdbff) cut--;
  return { text: text.slice(0, cut).trimEnd(), truncated: true };
}

const NAMED_ENTITIES: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  ensp: ' ',
  emsp: ' ',
  thinsp: ' ',
  shy: '',
  zwj: '',
  zwnj: '',
  copy: '©',
  reg: '®',
  trade: '™',
  deg: '°',
  plusmn: '±',
  times: '×',
  divide: '÷',
  micro: 'µ',
  middot: '·',
  para: '¶',
  sect: '§',
  bull: '•',
  hellip: '…',
  ndash: '–',
  mdash: '—',
  lsquo: '‘',
  rsquo: '’',
  sbquo: '‚',
  ldquo: '“',
  rdquo: '”',
  bdquo: '„',
  laquo: '«',
  raquo: '»',
  lsaquo: '‹',
  rsaquo: '›',
  prime: '′',
  Prime: '″',
  dagger: '†',
  Dagger: '‡',
  permil: '‰',
  euro: '€',
  pound: '£',
  yen: '¥',
  cent: '¢',
  curren: '¤',
  iexcl: '¡',
  iquest: '¿',
  frac12: '½',
  frac14: '¼',
  frac34: '¾',
  sup1: '¹',
  sup2: '²',
  sup3: '³',
  larr: '←',
  rarr: '→',
  uarr: '↑',
  darr: '↓',
  harr: '↔',
  rArr: '⇒',
  lArr: '⇐',
  hArr: '⇔',
  le: '≤',
  ge: '≥',
  ne: '≠',
  asymp: '≈',
  equiv: '≡',
  infin: '∞',
  minus: '−',
  check: '✓',
  hearts: '♥',
  alpha: 'α',
  beta: 'β',
  gamma: 'γ',
  delta: 'δ',
  lambda: 'λ',
  mu: 'μ',
  pi: 'π',
  sigma: 'σ',
  omega: 'ω',
  Delta: 'Δ',
  Sigma: 'Σ',
  Omega: 'Ω',
};

/** Numeric references and the common named ones; anything else is left as written. */
export function decodeEntities(text: string): string {
  if (!text.includes('&')) return text;
  return text.replace(/&(#[xX][0-9a-fA-F]{1,6}|#[0-9]{1,7}|[A-Za-z][A-Za-z0-9]{1,31});?/g, (whole, ref: string) => {
    if (ref.startsWith('#')) {
      const code =
        ref[1] === 'x' || ref[1] === 'X' ? Number.parseInt(ref.slice(2), 16) : Number.parseInt(ref.slice(1), 10);
      if (code === 0 || code > 0x10ffff || (code >= 0xd800 && code <= 0xdfff)) return '\uFFFD';
      return String.fromCodePoint(code);
    }
    const named = NAMED_ENTITIES[ref];
    return named !== undefined && (whole.endsWith(';') || ref in LEGACY_NO_SEMICOLON) ? named : whole;
  });
}

/** Entities browsers accept without the semicolon (the frequent ones). */
const LEGACY_NO_SEMICOLON: Record<string, true> = { amp: true, lt: true, gt: true, quot: true, nbsp: true, copy: true };

/** Elements whose content is never text for a reader (an unclosed one runs to the end). */
const DROPPED_ELEMENTS =
  /<(script|style|noscript|template|svg|math|iframe|object|canvas|select|head|audio|video)\b[^<>]*?(?:\/>|>[\s\S]*?(?:<\/\1\s*>|$))/gi;

const BLOCK = new Set([
  'address',
  'article',
  'aside',
  'blockquote',
  'dd',
  'details',
  'dialog',
  'div',
  'dl',
  'dt',
  'fieldset',
  'figcaption',
  'figure',
  'footer',
  'form',
  'header',
  'main',
  'nav',
  'ol',
  'p',
  'section',
  'summary',
  'table',
  'ul',
  'caption',
  'center',
  'body',
  'html',
]);

export interface HtmlText {
  title: string | null;
  text: string;
}

// Placeholders while building, resolved in one pass at the end: a block boundary needing one or
// two newlines, and whitespace that must survive (inside <pre>, list indentation). They are
// private-use characters, removed from the input first.
const BREAK1 = '\uE001';
const BREAK2 = '\uE002';
const KEEP_NL = '\uE003';
const KEEP_SPACE = '\uE004';
const KEEP_TAB = '\uE005';

/** Readable text from HTML. `base` resolves relative links. Linear in the input; never throws. */
export function htmlToText(html: string, base?: URL): HtmlText {
  const titleMatch = /<title\b[^<>]*>([^<]*)<\/title\s*>/i.exec(html.slice(0, 65_536));
  const title = titleMatch ? collapse(decodeEntities(titleMatch[1] ?? '')).trim() || null : null;
  const source = html
    // eslint-disable-next-line no-control-regex -- control characters are noise in a page's text
    .replace(/[\u0000-\u0008\u000b\u000e-\u001f\uE001-\uE005]/g, '')
    .replace(/<!--[\s\S]*?(?:-->|$)/g, '')
    .replace(/<!\[CDATA\[([\s\S]*?)(?:\]\]>|$)/g, '$1')
    .replace(/<![^<>]*>/g, '')
    .replace(/<\?[^<>]*>/g, '')
    .replace(DROPPED_ELEMENTS, ' ');
  const parts: string[] = [];
  const lists: Array<{ ordered: boolean; n: number }> = [];
  let link: { start: number; href: string | null } | null = null;
  let pre = 0;
  let cellsInRow = 0;
  const closeLink = () => {
    if (link?.href) {
      const inner = parts.slice(link.start).join('');
      const label = inner.trim();
      if (label && label !== link.href && label.length <= 500 && !/[\n\uE001-\uE003]/.test(label)) {
        const lead = inner.startsWith(' ') ? ' ' : '';
        const trail = inner.endsWith(' ') ? ' ' : '';
        parts.splice(link.start, parts.length - link.start, `${lead}[${label}](${link.href})${trail}`);
      }
    }
    link = null;
  };
  // Quoted attribute values may not hold '<': one unclosed quote must not make this quadratic.
  const token = /<(\/?)([A-Za-z][A-Za-z0-9-]*)((?:[^<>"']|"[^"<]*"|'[^'<]*')*)>|([^<]+)|</g;
  for (let m = token.exec(source); m; m = token.exec(source)) {
    const [, closing, rawName, attrs = '', textRun] = m;
    if (rawName === undefined) {
      const text = decodeEntities(textRun ?? '<');
      parts.push(pre > 0 ? keepWhitespace(text) : collapse(text));
      continue;
    }
    const name = rawName.toLowerCase();
    const close = closing === '/';
    switch (name) {
      case 'br':
        parts.push(pre > 0 ? KEEP_NL : '\n');
        break;
      case 'hr':
        parts.push(BREAK2, '---', BREAK2);
        break;
      case 'h1':
      case 'h2':
      case 'h3':
      case 'h4':
      case 'h5':
      case 'h6':
        parts.push(BREAK2);
        if (!close) parts.push(`${'#'.repeat(Number(name[1]))} `);
        break;
      case 'ul':
      case 'ol':
        if (close) lists.pop();
        else lists.push({ ordered: name === 'ol', n: 0 });
        parts.push(lists.length === 0 ? BREAK2 : BREAK1);
        break;
      case 'li': {
        parts.push(BREAK1);
        if (close) break;
        const list = lists[lists.length - 1];
        const indent = KEEP_SPACE.repeat(2 * Math.max(0, lists.length - 1));
        parts.push(list?.ordered ? `${indent}${++list.n}. ` : `${indent}- `);
        break;
      }
      case 'pre':
        if (close) {
          if (pre > 0) pre--;
          trimKept(parts);
          parts.push(KEEP_NL, '```', BREAK2);
        } else {
          pre++;
          parts.push(BREAK2, '```', KEEP_NL);
        }
        break;
      case 'code':
        if (pre === 0) parts.push('`');
        break;
      case 'tr':
        parts.push(BREAK1);
        cellsInRow = 0;
        break;
      case 'td':
      case 'th':
        if (!close && cellsInRow++ > 0) parts.push(' | ');
        break;
      case 'a':
        // Links do not nest: a new one closes the open one, as the HTML parser does.
        closeLink();
        if (!close) link = { start: parts.length, href: linkTarget(attribute(attrs, 'href'), base) };
        break;
      case 'img': {
        const alt = collapse(decodeEntities(attribute(attrs, 'alt') ?? '')).trim();
        if (alt) parts.push(` ${alt} `);
        break;
      }
      default:
        if (BLOCK.has(name)) parts.push(name === 'div' || name === 'dt' || name === 'dd' ? BREAK1 : BREAK2);
    }
  }
  closeLink();
  return { title, text: finish(parts.join('')) };
}

/** Resolves the placeholders: each whitespace run holding a break becomes one or two newlines. */
function finish(text: string): string {
  return text
    .replace(/ {2,}/g, ' ')
    .replace(/ ?(?:[\n\uE001\uE002] ?)+/g, (run) => {
      const literal = run.split('\n').length - 1;
      const wanted = run.includes(BREAK2) ? 2 : run.includes(BREAK1) ? 1 : 0;
      return '\n'.repeat(Math.min(2, Math.max(literal, wanted)));
    })
    .replace(/[\uE003-\uE005]/g, (c) => (c === KEEP_NL ? '\n' : c === KEEP_TAB ? '\t' : ' '))
    .trim();
}

/** Drops the whitespace a <pre> ends with (its closing fence gets its own line anyway). */
function trimKept(parts: string[]): void {
  while (parts.length > 0) {
    const last = parts[parts.length - 1] ?? '';
    let end = last.length;
    while (end > 0 && '\uE003\uE004\uE005 '.includes(last[end - 1] ?? 'x')) end--;
    if (end > 0) {
      parts[parts.length - 1] = last.slice(0, end);
      return;
    }
    parts.pop();
  }
}

function keepWhitespace(text: string): string {
  return text
    .replace(/\r\n?/g, '\n')
    .replace(/[\n \t]/g, (c) => (c === '\n' ? KEEP_NL : c === '\t' ? KEEP_TAB : KEEP_SPACE));
}

/** Whitespace runs become one space; a no-break space stays a space. */
function collapse(text: string): string {
  return text.replace(/[\s\u00a0]+/g, ' ');
}

function attribute(attrs: string, name: string): string | null {
  const m = new RegExp(`(?:^|\\s)${name}\\s*=\\s*(?:"([^"]*)"|'([^']*)'|([^\\s"'>]+))`, 'i').exec(attrs);
  return m ? (m[1] ?? m[2] ?? m[3] ?? '') : null;
}

/** Absolute http(s) link targets only: fragments, `javascript:` and `mailto:` add nothing to read. */
function linkTarget(href: string | null, base: URL | undefined): string | null {
  if (!href) return null;
  const decoded = decodeEntities(href.trim());
  if (decoded.startsWith('#')) return null;
  try {
    const url = new URL(decoded, base);
    return url.protocol === 'http:' || url.protocol === 'https:' ? url.href : null;
  } catch {
    return null;
  }
}
