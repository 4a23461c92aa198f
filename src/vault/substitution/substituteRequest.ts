import type { InterceptedRequest } from '../egress/types.js';
import { type Replacement, replaceAll, replaceAllLatin1 } from './replaceAll.js';
import type { SessionSecret } from './sessionSecrets.js';

/**
 * Puts the real values in place of their placeholders, for the secrets that apply to the
 * request's host: in header values when `injection_location.header`, in the body when
 * `injection_location.body`. The URL (path, query) is never touched: the SDK names headers and
 * body only. Everything else about the request stays as the sandbox sent it.
 */
export function substituteRequest(request: InterceptedRequest, secrets: readonly SessionSecret[]): InterceptedRequest {
  const inHeaders = secrets.filter((secret) => secret.header);
  const inBody = secrets.filter((secret) => secret.body);
  const headers = inHeaders.length > 0 ? substituteHeaders(request.headers, inHeaders) : request.headers;
  const body =
    inBody.length > 0 && request.body.length > 0 && !encoded(request.headers)
      ? replaceAll(request.body, bodyReplacements(inBody, contentType(request.headers)))
      : request.body;
  return { ...request, headers, body };
}

function substituteHeaders(
  headers: InterceptedRequest['headers'],
  secrets: readonly SessionSecret[],
): InterceptedRequest['headers'] {
  // Header values travel as bytes (latin1 strings in Node): the value goes in as its UTF-8 bytes.
  const replacements = secrets.map((secret) => ({
    from: Buffer.from(secret.placeholder),
    to: Buffer.from(secret.value, 'utf8'),
  }));
  const out: InterceptedRequest['headers'] = {};
  for (const [name, value] of Object.entries(headers)) {
    const one = (text: string) => {
      const replaced = replaceAllLatin1(text, replacements);
      return name.toLowerCase() === 'authorization' ? basicAuth(replaced, replacements) : replaced;
    };
    out[name] = Array.isArray(value) ? value.map(one) : one(value);
  }
  return out;
}

/** `Authorization: Basic base64(user:placeholder)` — what git and curl's `-u` send — is decoded, substituted, re-encoded. */
function basicAuth(value: string, replacements: readonly Replacement[]): string {
  const basic = /^(Basic\s+)([A-Za-z0-9+/]+=*)\s*$/i.exec(value);
  if (!basic) return value;
  const decoded = Buffer.from(basic[2] ?? '', 'base64');
  const replaced = replaceAll(decoded, replacements);
  return replaced.equals(decoded) ? value : `${basic[1] ?? 'Basic '}${replaced.toString('base64')}`;
}

/** In a JSON body the value is JSON-escaped, in a form body URL-encoded, anywhere else inserted as is. */
function bodyReplacements(secrets: readonly SessionSecret[], type: string): Replacement[] {
  const spell =
    type === 'application/json' || type.endsWith('+json')
      ? (value: string) => JSON.stringify(value).slice(1, -1)
      : type === 'application/x-www-form-urlencoded'
        ? encodeURIComponent
        : (value: string) => value;
  return secrets.map((secret) => ({ from: Buffer.from(secret.placeholder), to: Buffer.from(spell(secret.value)) }));
}

function header(headers: InterceptedRequest['headers'], wanted: string): string {
  for (const [name, value] of Object.entries(headers)) {
    if (name.toLowerCase() === wanted) return [value].flat().join(',');
  }
  return '';
}

function contentType(headers: InterceptedRequest['headers']): string {
  return (header(headers, 'content-type').split(';')[0] ?? '').trim().toLowerCase();
}

/** A compressed upload is left alone: its placeholder bytes are not visible. */
function encoded(headers: InterceptedRequest['headers']): boolean {
  const coding = header(headers, 'content-encoding').trim().toLowerCase();
  return coding !== '' && coding !== 'identity';
}
