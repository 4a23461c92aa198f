import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readFile, rename, unlink, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { ToolResult } from '../core/hands.js';

/** A session or tool-use id as a file name: ids that are not plain names are hashed. */
export function safeName(id: string): string {
  return /^[A-Za-z0-9_-]{1,128}$/.test(id) ? id : `h_${createHash('sha256').update(id).digest('hex')}`;
}

/**
 * Tool results on disk, `<handsRoot>/<session>/results/<toolUseId>.json`, written atomically
 * (temp file, fsync, rename, fsync of the directory) before `execute` returns, so a restarted
 * server answers a repeated call with the same result. A `.started` marker written before a
 * mutating tool runs tells a restarted server that the call was cut off, so it is not run twice.
 */
export class ResultStore {
  constructor(private readonly handsRoot: string) {}

  sessionDir(sessionId: string): string {
    return join(this.handsRoot, safeName(sessionId));
  }

  async read(sessionId: string, toolUseId: string): Promise<ToolResult | null> {
    try {
      const record = JSON.parse(await readFile(this.#file(sessionId, toolUseId, 'json'), 'utf8')) as {
        result?: ToolResult;
      };
      return isToolResult(record.result) ? record.result : null;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return null;
      throw error;
    }
  }

  async wasStarted(sessionId: string, toolUseId: string): Promise<boolean> {
    try {
      await readFile(this.#file(sessionId, toolUseId, 'started'));
      return true;
    } catch {
      return false;
    }
  }

  /** No fsync: the marker guards against a crash of this process, whose page cache survives. */
  async markStarted(sessionId: string, toolUseId: string): Promise<void> {
    await mkdir(this.#dir(sessionId), { recursive: true, mode: 0o700 });
    await writeFile(this.#file(sessionId, toolUseId, 'started'), new Date().toISOString());
  }

  async write(sessionId: string, toolUseId: string, name: string, result: ToolResult): Promise<void> {
    const dir = this.#dir(sessionId);
    await mkdir(dir, { recursive: true, mode: 0o700 });
    const target = this.#file(sessionId, toolUseId, 'json');
    const temp = `${target}.tmp-${randomBytes(6).toString('hex')}`;
    const record = { tool_use_id: toolUseId, name, recorded_at: new Date().toISOString(), result };
    const handle = await open(temp, 'wx', 0o600);
    try {
      await handle.writeFile(JSON.stringify(record));
      await handle.sync();
    } finally {
      await handle.close();
    }
    await rename(temp, target);
    const dirHandle = await open(dir, 'r');
    try {
      await dirHandle.sync();
    } finally {
      await dirHandle.close();
    }
    await unlink(this.#file(sessionId, toolUseId, 'started')).catch(() => {});
  }

  #dir(sessionId: string): string {
    return join(this.sessionDir(sessionId), 'results');
  }

  #file(sessionId: string, toolUseId: string, ext: string): string {
    return join(this.#dir(sessionId), `${safeName(toolUseId)}.${ext}`);
  }
}

function isToolResult(value: unknown): value is ToolResult {
  const v = value as ToolResult | undefined;
  return typeof v === 'object' && v !== null && Array.isArray(v.content) && typeof v.isError === 'boolean';
}
