import { createHash } from 'node:crypto';
import { chmodSync, chownSync, lchownSync, readdirSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The host user a sandbox runs as. `null` when the server is not root: bwrap then runs as the server's user. */
export type HostIdentity = { uid: number; gid: number } | null;

export interface IdentityOptions {
  /** First host uid of the range sandboxes run as (one uid per session, hashed from its id). */
  uidBase: number;
  uidCount: number;
  /** One host gid shared by all sandboxes; it is what lets them traverse into the data dir. */
  gid: number;
}

export const DEFAULT_IDENTITY: IdentityOptions = { uidBase: 2_000_000, uidCount: 1_000_000, gid: 2_000_000 };

/**
 * bwrap launched by host root would map the sandbox user to host uid 0 for every permission check
 * on bind-mounted files, so a root server starts each sandbox as an unprivileged host uid. One
 * uid per session (stable across restarts, since workspace files are owned by it) keeps sessions
 * apart even where a mount namespace would not.
 */
export function hostIdentity(sessionId: string, options: IdentityOptions): HostIdentity {
  if (process.getuid?.() !== 0) return null;
  const hash = createHash('sha256').update(sessionId).digest().readUInt32BE(0);
  return { uid: options.uidBase + (hash % options.uidCount), gid: options.gid };
}

/**
 * bwrap resolves bind sources as the sandbox's host uid, before it switches root, so every
 * directory above a workspace must be searchable by that uid (bwrap refuses a file descriptor
 * instead). Returns the first directory that is not, or null.
 */
export function unreachableAncestor(path: string, identity: HostIdentity): string | null {
  if (!identity) return null;
  const chain: string[] = [];
  for (let dir = dirname(path); ; dir = dirname(dir)) {
    chain.unshift(dir);
    if (dir === dirname(dir)) break;
  }
  for (const dir of chain) {
    const stat = statSync(dir);
    const searchable =
      (stat.mode & 0o001) !== 0 ||
      (stat.gid === identity.gid && (stat.mode & 0o010) !== 0) ||
      (stat.uid === identity.uid && (stat.mode & 0o100) !== 0);
    if (!searchable) return dir;
  }
  return null;
}

/**
 * Lets sandboxes traverse (never list or read) a directory Bosun owns, such as the data dir that
 * the server creates 0700: group ownership by the sandbox gid plus g+x. Local users outside that
 * group gain nothing, and inside a sandbox the path does not exist.
 */
export function grantTraverse(dir: string, gid: number): void {
  const stat = statSync(dir);
  const alreadySearchable = (stat.mode & 0o001) !== 0 || (stat.gid === gid && (stat.mode & 0o010) !== 0);
  if (alreadySearchable || stat.uid !== process.getuid?.()) return;
  if (stat.gid !== gid) chownSync(dir, stat.uid, gid);
  chmodSync(dir, (stat.mode & 0o7777 & ~0o070) | 0o010);
}

/** Gives the workspace to the session's uid; a change of uid range re-owns what is already there. */
export function ownWorkspace(workspace: string, identity: HostIdentity): void {
  if (!identity) return;
  const stat = statSync(workspace);
  if (stat.uid === identity.uid && stat.gid === identity.gid) return;
  chownTree(workspace, identity.uid, identity.gid);
}

function chownTree(path: string, uid: number, gid: number): void {
  lchownSync(path, uid, gid);
  let entries;
  try {
    entries = readdirSync(path, { withFileTypes: true });
  } catch {
    return;
  }
  for (const entry of entries) {
    const child = join(path, entry.name);
    if (entry.isDirectory()) chownTree(child, uid, gid);
    else lchownSync(child, uid, gid);
  }
}
