/** What the composition root (server) and the CLI use of the hands. */
export { type BosunHands, type CreateHandsOptions, createHands } from './createHands.js';
export type { EgressAttachment, EgressProxy, NetworkPolicy } from './egress.js';
export { DEFAULT_LIMITS, type SandboxLimits } from './limits.js';
export { LOCAL_BACKEND_WARNING } from './local/localBackend.js';
export { PackageLayers, type PackageLayersOptions } from './packages/packageLayers.js';
export { type IsolationCheck, probeIsolation } from './probe.js';
export { AGENT_TOOLSET_SPECS } from './toolset/index.js';
export type { WebSearchProvider, WebSearchRequest, WebSearchResult } from './toolset/web.js';
