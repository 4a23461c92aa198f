/** The per-installation CA that lets the egress proxy terminate TLS for substitution hosts. */
export { CA_DIR, type InstallationCa, loadOrCreateInstallationCa } from './installationCa.js';
export { createLeafCertificates, LEAF_LIFETIME_MS, type LeafCertificateOptions } from './leafCertificates.js';
