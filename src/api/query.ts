/**
 * Query strings as the SDK writes them: arrays as percent-encoded brackets (`types%5B%5D=a`),
 * objects as literal bracketed keys (`created_at[gte]=…`). Keys are decoded before matching and
 * `name[]` is folded into `name`, so both the bracket and the bare form are accepted.
 */
export function parseQuery(url: string): Map<string, string[]> {
  const params = new URL(url).searchParams;
  const out = new Map<string, string[]>();
  for (const [rawKey, value] of params) {
    const key = rawKey.endsWith('[]') ? rawKey.slice(0, -2) : rawKey;
    const list = out.get(key);
    if (list) list.push(value);
    else out.set(key, [value]);
  }
  return out;
}

/** A flat object of single values (last wins) plus arrays for the names in `arrays`. */
export function queryObject(query: Map<string, string[]>, arrays: readonly string[] = []): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, values] of query) {
    out[key] = arrays.includes(key) ? values : values[values.length - 1];
  }
  return out;
}
