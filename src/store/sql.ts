import type { TimeRange } from '../core/sessionLog.js';

const OPERATORS = { gt: '>', gte: '>=', lt: '<', lte: '<=' } as const;

/**
 * WHERE clauses for an RFC 3339 time range. Timestamps are stored as ISO strings in UTC with
 * millisecond precision, so they compare correctly as text in both SQLite and PostgreSQL;
 * inputs are normalised to that form first.
 */
export function timeRangeSql(column: string, range: TimeRange | undefined): { clauses: string[]; params: string[] } {
  const clauses: string[] = [];
  const params: string[] = [];
  if (!range) return { clauses, params };
  for (const key of Object.keys(OPERATORS) as Array<keyof typeof OPERATORS>) {
    const value = range[key];
    if (value === undefined) continue;
    clauses.push(`${column} ${OPERATORS[key]} ?`);
    params.push(new Date(value).toISOString());
  }
  return { clauses, params };
}
