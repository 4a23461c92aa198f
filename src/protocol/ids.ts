import { v7 as uuidv7 } from 'uuid';

/** Resource id prefixes, as the SDK's examples and doc comments spell them. Events pick `sevt_`. */
export const ID_PREFIX = {
  agent: 'agent',
  environment: 'env',
  session: 'sesn',
  event: 'sevt',
  thread: 'sthr',
  sessionResource: 'sesrsc',
  vault: 'vlt',
  credential: 'vcrd',
  work: 'work',
  outcome: 'outc',
  file: 'file',
} as const;

export type IdKind = keyof typeof ID_PREFIX;

/**
 * `<prefix>_<uuidv7 hex>`. UUIDv7 is time-ordered, so ids sort by creation time: list cursors
 * and B-tree indexes stay cheap, and two ids made in the same millisecond still differ.
 */
export function newId(kind: IdKind): string {
  return `${ID_PREFIX[kind]}_${uuidv7().replaceAll('-', '')}`;
}

export function hasPrefix(id: string, kind: IdKind): boolean {
  return id.startsWith(`${ID_PREFIX[kind]}_`);
}
