import type { Sandbox } from '../core/hands.js';
import type { EgressAttachment } from './egress.js';
import type { SandboxLimits } from './limits.js';
import type { PackageLayer } from './packages/packageLayer.js';

export interface ProvisionSpec {
  sessionId: string;
  /** Host directory of the session's workspace (created by Hands; survives the sandbox). */
  workspaceDir: string;
  limits: SandboxLimits;
  /** The egress hook; null means no network at all. */
  egress: EgressAttachment | null;
  /** The environment's installed packages, if it lists any: read-only, shared between sessions. */
  packages?: PackageLayer | null;
}

/** A sandbox Hands can also stop (disk guard) and ask whether anything runs in it. */
export interface ManagedSandbox extends Sandbox {
  readonly active: boolean;
  /** Kills every process of the sandbox (the next call starts afresh); `reason` is told to the model. */
  stopProcesses(reason?: string): void;
}

export interface SandboxBackend {
  readonly name: string;
  /** Whether the sandbox confines what runs in it (false only for `local`). */
  readonly isolated: boolean;
  provision(spec: ProvisionSpec): Promise<ManagedSandbox>;
  close(): Promise<void>;
}

/** The backend cannot run on this host; the message is shown to the model, `hint` to operators. */
export class SandboxUnavailableError extends Error {
  constructor(
    message: string,
    readonly hint: string,
  ) {
    super(message);
    this.name = 'SandboxUnavailableError';
  }
}

export const BWRAP_INSTALL_HINT =
  'install bubblewrap (`apt-get install -y bubblewrap` on Debian/Ubuntu, `dnf install bubblewrap` on Fedora/RHEL), ' +
  'or, for development only, opt into the unsandboxed local backend';
