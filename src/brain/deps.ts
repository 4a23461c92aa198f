import type { Hands } from '../core/hands.js';
import type { Leases } from '../core/leases.js';
import type { ModelProvider, ToolSpec } from '../core/modelProvider.js';
import type { Previews } from '../core/previews.js';
import type { ResourceStore } from '../core/resourceStore.js';
import type { SessionLog } from '../core/sessionLog.js';
import type { BrainLimits } from './limits.js';

/** What a brain worker is given: ports only. It keeps nothing that must survive a crash. */
export interface BrainDeps {
  log: SessionLog;
  resources: ResourceStore;
  leases: Leases;
  models: ModelProvider;
  hands: Hands;
  previews: Previews;
  /** Descriptions and input schemas of the built-in tools, by name. */
  builtinToolSpecs: ReadonlyMap<string, ToolSpec>;
  limits: BrainLimits;
  /** Unique per process; names the lease holder. */
  workerId: string;
  logger: {
    info(obj: unknown, msg?: string): void;
    warn(obj: unknown, msg?: string): void;
    error(obj: unknown, msg?: string): void;
  };
  /** Waits, or rejects when `signal` aborts. Tests shorten backoffs through `limits` instead. */
  sleep?: (ms: number, signal: AbortSignal) => Promise<void>;
}
