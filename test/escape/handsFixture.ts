import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SessionHandsContext, ToolResult } from '../../src/core/hands.js';
import { BWRAP_INSTALL_HINT } from '../../src/hands/backend.js';
import { findExecutable } from '../../src/hands/bubblewrap/hostLayout.js';
import { type BosunHands, type CreateHandsOptions, createHands } from '../../src/hands/createHands.js';

/** Tests of the real sandbox fail, never skip, on a host without bubblewrap. */
export function requireBubblewrap(): void {
  if (!findExecutable('bwrap')) throw new Error(`these tests need bubblewrap (bwrap): ${BWRAP_INSTALL_HINT}`);
}

export interface HandsFixture {
  hands: BosunHands;
  dataDir: string;
  session: SessionHandsContext;
  /** Runs a tool in `session` (or another) under a fresh tool-use id. */
  call(
    name: string,
    input: unknown,
    options?: { session?: SessionHandsContext; toolUseId?: string; signal?: AbortSignal },
  ): Promise<ToolResult>;
  close(): Promise<void>;
}

export const NO_NETWORK = { type: 'cloud', networking: { type: 'limited', allowed_hosts: [] } };

export function newSession(environmentConfig: Record<string, unknown> = NO_NETWORK): SessionHandsContext {
  return { sessionId: `sesn_${randomBytes(8).toString('hex')}`, environmentId: 'env_test', environmentConfig };
}

let counter = 0;

export function handsFixture(options: Partial<CreateHandsOptions> = {}, dataDir?: string): HandsFixture {
  const dir = dataDir ?? mkdtempSync(join(tmpdir(), 'bosun-hands-'));
  const hands = createHands({ dataDir: dir, logger: { warn: () => {} }, ...options });
  const session = newSession();
  return {
    hands,
    dataDir: dir,
    session,
    call: (name, input, o = {}) =>
      hands.execute(
        o.session ?? session,
        o.toolUseId ?? `sevt_${process.pid}_${++counter}`,
        name,
        input,
        o.signal ?? new AbortController().signal,
      ),
    close: async () => {
      await hands.close();
      if (!dataDir) rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The text of a result, with its error flag, for compact assertions. */
export function text(result: ToolResult): string {
  return result.content.map((block) => (block.type === 'text' ? block.text : `[${block.type}]`)).join('');
}

export function ok(result: ToolResult): string {
  if (result.isError) throw new Error(`expected success, got error: ${text(result)}`);
  return text(result);
}

export function err(result: ToolResult): string {
  if (!result.isError) throw new Error(`expected an error, got: ${text(result)}`);
  return text(result);
}
