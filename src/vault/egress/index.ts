/** What the composition root (server) and the CLI (doctor) use of the egress proxy. */
export { BRIDGE_READY, createEgressProxy, type EgressProxyOptions, type EgressProxyServer } from './egressProxy.js';
export { type DiscoveredSources, describeSources, discoverPackageSources, type PackageSource } from './packageHosts.js';
export { createResolver, type Resolver, type ResolverOptions } from './resolver.js';
export {
  type EgressSelfTest,
  gateUntrustedTools,
  readSelfTestReport,
  runEgressSelfTest,
  type SelfTestCheck,
  selfTestCheck,
  UNTRUSTED_TOOLS,
  writeSelfTestReport,
} from './selfTest.js';
export type {
  EgressInterceptor,
  EgressLogEntry,
  EgressTarget,
  InterceptedRequest,
  InterceptorAttachment,
  InterceptorScope,
  NetworkPolicy,
  ResponseFilter,
  SandboxEgress,
  TlsInterception,
} from './types.js';
