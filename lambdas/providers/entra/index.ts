export { GRAPH_PERMISSIONS } from './graph';
export type { RetryOptions } from './http';
export { personName, toSourceUser } from './mapping';
export { type EntraSecret, EntraSecretSchema, parseEntraSecret } from './secret';
export { type EntraSourceResult, type ReadEntraSourceOptions, readEntraSource } from './source';
export { type EntraAuthorityOverride, msalAuthority } from './token';
