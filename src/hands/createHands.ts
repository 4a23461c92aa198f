import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Hands, SessionHandsContext, ToolResult } from '../core/hands.js';
import { type ManagedSandbox, type SandboxBackend, SandboxUnavailableError } from './backend.js';
import { type BubblewrapOptions, createBubblewrapBackend } from './bubblewrap/bubblewrapBackend.js';
import { DiskGuard } from './diskGuard.js';
import type { EgressProxy } from './egress.js';
import { resolveLimits, type SandboxLimits } from './limits.js';
import { createLocalBackend, LOCAL_BACKEND_WARNING } from './local/localBackend.js';
import { PackageInstallError } from './packages/packageInstallError.js';
import type { PackageLayers } from './packages/packageLayers.js';
import { ResultStore } from './resultStore.js';
import { SessionSandboxes } from './sessionSandboxes.js';
import { AGENT_TOOLSET, runTool, type ToolContext } from './toolset/index.js';
import { errorResult, ToolError } from './toolset/toolError.js';
import type { WebSearchProvider } from './toolset/web.js';

export interface CreateHandsOptions {
  /** Workspaces and recorded results live under `<dataDir>/hands/<sessionId>/`. */
  dataDir: string;
  /** `bubblewrap` (default) isolates; `local` runs tools unsandboxed and needs `allowUnsandboxed`. */
  backend?: 'bubblewrap' | 'local' | SandboxBackend;
  /** The operator's explicit opt-in to the unsandboxed `local` backend (development only). */
  allowUnsandboxed?: boolean;
  limits?: Partial<SandboxLimits>;
  /** Cap for a whole-file read and for edit (the SDK's `maxFileBytes`); 256 KiB by default. */
  maxFileBytes?: number;
  /** The egress proxy; without one every sandbox has no network at all. */
  egress?: EgressProxy;
  /** Installs environments' `config.packages`; without it, environments' packages are ignored (with a warning). */
  packages?: PackageLayers;
  bubblewrap?: Omit<BubblewrapOptions, 'handsRoot' | 'dataDir'>;
  /** Where web_search gets results; without one, web_search answers that it is disabled. */
  webSearch?: WebSearchProvider;
  logger?: { warn(message: string): void };
}

export interface BosunHands extends Hands {
  readonly backend: string;
  /** Stops every sandbox (workspaces stay) and releases the backend's resources. */
  close(): Promise<void>;
}

const DEFAULT_MAX_FILE_BYTES = 256 * 1024;

/**
 * Composes a sandbox backend, the built-in toolset and the on-disk result records. Sandboxes are
 * provisioned on a session's first tool call that needs one, never before.
 */
export function createHands(options: CreateHandsOptions): BosunHands {
  const logger = options.logger ?? { warn: (message: string) => process.stderr.write(`${message}\n`) };
  const limits = resolveLimits(options.limits);
  const handsRoot = join(options.dataDir, 'hands');
  const backend = chooseBackend(options, handsRoot, logger);
  const store = new ResultStore(handsRoot);
  const inflight = new Map<string, Promise<ToolResult>>();
  const guard: DiskGuard = new DiskGuard(options.dataDir, limits.diskReserveBytes, (reason) => {
    logger.warn(`hands: ${reason}`);
    void sandboxes.each((sandbox) => sandbox.active && sandbox.stopProcesses(reason));
  });
  const sandboxes = new SessionSandboxes(
    backend,
    limits,
    (sessionId) => store.sessionDir(sessionId),
    options.egress,
    (message) => logger.warn(message),
    () => guard.start(),
    options.packages,
  );

  const run = async (
    session: SessionHandsContext,
    toolUseId: string,
    name: string,
    input: unknown,
    signal: AbortSignal,
  ) => {
    const recorded = await store.read(session.sessionId, toolUseId);
    if (recorded) return recorded;
    const tool = AGENT_TOOLSET.get(name);
    let result: ToolResult;
    if (!tool) result = errorResult(`${name}: no such tool in this environment`);
    else if (!tool.readOnly && (await store.wasStarted(session.sessionId, toolUseId))) {
      result = errorResult(
        `${name}: this call was interrupted by a server restart before it finished and was not run again; ` +
          'check the workspace for its effects before retrying',
      );
    } else {
      if (!tool.readOnly) await store.markStarted(session.sessionId, toolUseId);
      const diskLow = name === 'write' || name === 'edit' ? await guard.check() : null;
      const ctx: ToolContext = {
        sandbox: () => explainUnavailable(name, sandboxes.get(session)),
        signal,
        maxFileBytes: options.maxFileBytes ?? DEFAULT_MAX_FILE_BYTES,
        maxCallMs: limits.maxCallMs,
        session,
        webSearch: options.webSearch,
      };
      result = diskLow ? errorResult(`${name}: ${diskLow}`) : await runTool(tool, input, ctx);
      result = withNotes(result, sandboxes.drainDenials(session.sessionId));
    }
    await store.write(session.sessionId, toolUseId, name, result);
    return result;
  };

  return {
    backend: backend.name,
    execute: (session, toolUseId, name, input, signal) => {
      const key = `${session.sessionId}\0${toolUseId}`;
      let call = inflight.get(key);
      if (!call) {
        call = run(session, toolUseId, name, input, signal).finally(() => inflight.delete(key));
        inflight.set(key, call);
      }
      return call;
    },
    recordedResult: (sessionId, toolUseId) => store.read(sessionId, toolUseId),
    destroy: async (sessionId, destroyOptions) => {
      await sandboxes.dispose(sessionId);
      if (destroyOptions?.purge) await rm(store.sessionDir(sessionId), { recursive: true, force: true });
    },
    close: async () => {
      guard.stop();
      await sandboxes.disposeAll();
      await backend.close();
    },
  };
}

/** Refused egress connections are told to the model with the result of the call that made them. */
function withNotes(result: ToolResult, notes: string[]): ToolResult {
  if (notes.length === 0) return result;
  return {
    ...result,
    content: [...result.content, { type: 'text', text: notes.map((note) => `[${note}]`).join('\n') }],
  };
}

/** A backend that cannot run here is an error result naming the fix, never a crash. */
async function explainUnavailable(tool: string, sandbox: Promise<ManagedSandbox>): Promise<ManagedSandbox> {
  try {
    return await sandbox;
  } catch (error) {
    if (error instanceof PackageInstallError) throw new ToolError(`${tool}: ${error.message}`);
    if (!(error instanceof SandboxUnavailableError)) throw error;
    throw new ToolError(`${tool} is not available: ${error.message}. The server operator can ${error.hint}.`);
  }
}

function chooseBackend(
  options: CreateHandsOptions,
  handsRoot: string,
  logger: { warn(message: string): void },
): SandboxBackend {
  const choice = options.backend ?? 'bubblewrap';
  if (typeof choice !== 'string') return choice;
  if (choice === 'local') {
    if (!options.allowUnsandboxed) {
      throw new Error(
        'refusing the unsandboxed `local` hands backend: it runs tools directly on this machine. ' +
          'Opt in explicitly (development only) or install bubblewrap and use the default backend.',
      );
    }
    logger.warn(LOCAL_BACKEND_WARNING);
    return createLocalBackend();
  }
  return createBubblewrapBackend({ ...options.bubblewrap, handsRoot, dataDir: options.dataDir });
}
