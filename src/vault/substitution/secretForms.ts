/** Base64 pieces shorter than this would match unrelated text too often to be worth scrubbing. */
const MIN_BASE64_FRAGMENT = 16;

/**
 * The spellings of a secret a response might carry: as is, JSON-escaped, URL- and form-encoded,
 * and base64 (standard and URL alphabets) at each of the three byte alignments it can take inside
 * a longer encoded text — a service echoing `Authorization: Basic …` or a token inside a JWT. Other
 * transformations (hashing, hex, splitting) are not caught.
 */
export function secretForms(value: string): string[] {
  if (value === '') return [];
  const forms = new Set<string>([value]);
  forms.add(JSON.stringify(value).slice(1, -1));
  const uri = encodeURIComponent(value);
  forms.add(uri);
  forms.add(uri.replaceAll('%20', '+'));
  const bytes = Buffer.from(value, 'utf8');
  for (let offset = 0; offset < 3; offset++) {
    const encoded = Buffer.concat([Buffer.alloc(offset), bytes]).toString('base64');
    // Characters whose six bits all come from the secret, not from what surrounds it.
    const fragment = encoded.slice(Math.ceil((8 * offset) / 6), Math.floor((8 * (offset + bytes.length)) / 6));
    if (fragment.length < MIN_BASE64_FRAGMENT) continue;
    forms.add(fragment);
    forms.add(fragment.replaceAll('+', '-').replaceAll('/', '_'));
  }
  return [...forms];
}
