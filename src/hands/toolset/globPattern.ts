/**
 * Glob matching with the semantics of Node's `fs.glob` (minimatch, `dot: false`), which the SDK's
 * glob tool uses: `*` and `?` stay within one path segment, `**` spans segments, `[...]` classes
 * (`!` or `^` negates), `{a,b}` and `{1..3}` braces, `\` escapes; no segment matched by a wildcard
 * may start with a dot unless the pattern spells the dot. Extglobs are not supported.
 */
export function compileGlob(pattern: string): (relativePath: string) => boolean {
  const regexes = expandBraces(pattern.replace(/^(\.\/)+/, '')).map(toRegExp);
  return (path) => regexes.some((re) => re.test(path));
}

const SEGMENT = '(?!\\.)[^/]+';

function toRegExp(pattern: string): RegExp {
  const segments = pattern.split('/').filter((s, i, all) => s !== '' && !(s === '**' && all[i - 1] === '**'));
  let source = '';
  let afterGlobstar = false;
  segments.forEach((segment, i) => {
    const separator = i === 0 || afterGlobstar ? '' : '/';
    if (segment === '**') {
      source += i === segments.length - 1 ? `${separator}${SEGMENT}(?:/${SEGMENT})*` : `${separator}(?:${SEGMENT}/)*`;
      afterGlobstar = true;
      return;
    }
    source += separator + segmentSource(segment);
    afterGlobstar = false;
  });
  return new RegExp(`^${source}$`);
}

function segmentSource(segment: string): string {
  let out = segment.startsWith('.') ? '' : '(?!\\.)';
  for (let i = 0; i < segment.length; i++) {
    const c = segment[i] as string;
    if (c === '\\' && i + 1 < segment.length) out += escapeRe(segment[++i] as string);
    else if (c === '*') out += '[^/]*';
    else if (c === '?') out += '[^/]';
    else if (c === '[') {
      const end = classEnd(segment, i);
      if (end < 0) out += '\\[';
      else {
        out += classSource(segment.slice(i + 1, end));
        i = end;
      }
    } else out += escapeRe(c);
  }
  return out;
}

function classEnd(segment: string, open: number): number {
  let i = open + 1;
  if (segment[i] === '!' || segment[i] === '^') i++;
  if (segment[i] === ']') i++;
  for (; i < segment.length; i++) {
    if (segment[i] === '\\') i++;
    else if (segment[i] === ']') return i;
  }
  return -1;
}

function classSource(body: string): string {
  const negate = body.startsWith('!') || body.startsWith('^');
  const chars = (negate ? body.slice(1) : body).replace(/[\\\]^]/g, (c) => (c === '\\' ? '\\\\' : `\\${c}`));
  return negate ? `[^/${chars}]` : `[${chars}]`;
}

function escapeRe(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

/** Expands `{a,b}` (nested) and `{1..5}` / `{a..e}` ranges, as brace-expansion does for minimatch. */
export function expandBraces(pattern: string): string[] {
  const open = findUnescaped(pattern, '{', 0);
  if (open < 0) return [pattern];
  let depth = 0;
  const commas: number[] = [];
  let close = -1;
  for (let i = open; i < pattern.length; i++) {
    const c = pattern[i];
    if (c === '\\') i++;
    else if (c === '{') depth++;
    else if (c === '}' && --depth === 0) {
      close = i;
      break;
    } else if (c === ',' && depth === 1) commas.push(i);
  }
  if (close < 0) return [pattern];
  const head = pattern.slice(0, open);
  const tail = pattern.slice(close + 1);
  const inner = pattern.slice(open + 1, close);
  let options: string[];
  if (commas.length > 0) {
    const bounds = [open, ...commas, close];
    options = bounds.slice(1).map((b, k) => pattern.slice((bounds[k] as number) + 1, b));
  } else {
    const range = sequence(inner);
    if (!range) return expandBraces(`${head}\\{${inner}\\}${tail}`);
    options = range;
  }
  return options.flatMap((option) => expandBraces(`${head}${option}${tail}`));
}

function sequence(inner: string): string[] | null {
  const numeric = /^(-?\d+)\.\.(-?\d+)$/.exec(inner);
  if (numeric) {
    const [from, to] = [Number(numeric[1]), Number(numeric[2])];
    const step = from <= to ? 1 : -1;
    const out: string[] = [];
    for (let n = from; out.length < 1000; n += step) {
      out.push(String(n));
      if (n === to) break;
    }
    return out;
  }
  const alpha = /^([a-zA-Z])\.\.([a-zA-Z])$/.exec(inner);
  if (alpha) {
    const [from, to] = [(alpha[1] as string).charCodeAt(0), (alpha[2] as string).charCodeAt(0)];
    const step = from <= to ? 1 : -1;
    const out: string[] = [];
    for (let n = from; ; n += step) {
      out.push(String.fromCharCode(n));
      if (n === to) break;
    }
    return out;
  }
  return null;
}

function findUnescaped(text: string, char: string, from: number): number {
  for (let i = from; i < text.length; i++) {
    if (text[i] === '\\') i++;
    else if (text[i] === char) return i;
  }
  return -1;
}
