import { z } from 'zod';
import { invalidRequest } from '../core/errors.js';

export const DEFAULT_PAGE_LIMIT = 20;
export const MAX_PAGE_LIMIT = 1000;

/** A keyset position: list the items after (or, for `prev_page`, before) `key`. */
export interface Cursor {
  key: string | number;
  direction: 'after' | 'before';
}

const cursorSchema = z.strictObject({ k: z.union([z.string(), z.number()]), d: z.enum(['a', 'b']) });

/** Cursors are opaque to clients: base64url JSON, so their shape can change without breaking them. */
export function encodeCursor(cursor: Cursor): string {
  return Buffer.from(JSON.stringify({ k: cursor.key, d: cursor.direction === 'after' ? 'a' : 'b' })).toString(
    'base64url',
  );
}

export function decodeCursor(page: unknown): Cursor | undefined {
  if (page === undefined || page === null || page === '') return undefined;
  try {
    const parsed = cursorSchema.parse(
      JSON.parse(Buffer.from(typeof page === 'string' ? page : '', 'base64url').toString('utf8')),
    );
    return { key: parsed.k, direction: parsed.d === 'a' ? 'after' : 'before' };
  } catch {
    throw invalidRequest(`page: not a valid page cursor`);
  }
}

export const limitSchema = z.coerce.number().int().min(1).max(MAX_PAGE_LIMIT).default(DEFAULT_PAGE_LIMIT);

/** Query fields every list accepts. */
export const pageQueryShape = {
  limit: limitSchema,
  page: z.string().optional(),
};

/**
 * Builds a page from `limit + 1` fetched items: the extra item only says that a next page
 * exists, so the SDK's `for await` stops on the last real page instead of asking for an empty one.
 */
export function pageOf<T>(items: T[], limit: number, keyOf: (item: T) => string | number) {
  const hasMore = items.length > limit;
  const data = hasMore ? items.slice(0, limit) : items;
  const last = data[data.length - 1];
  const next_page = hasMore && last !== undefined ? encodeCursor({ key: keyOf(last), direction: 'after' }) : null;
  return { data, next_page };
}

export const booleanQuery = z.enum(['true', 'false']).transform((value) => value === 'true');
