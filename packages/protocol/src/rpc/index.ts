// The Synod JSON-RPC's wire types and error table, shared by the node and the SDK (browser-safe).
export * from './errors.ts';
export * from './types.ts';
