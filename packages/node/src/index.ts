/**
 * @synod/node: the validator node. Most users run it through the `synod` CLI
 * (docs/operations.md); this entry is for tools that embed or orchestrate nodes (the testnet,
 * tests): start a node from a config, read and write the data dir's keys, genesis and
 * committee files, and run the JSON-RPC server over a custom backend.
 */

export * from './assembly/index.ts';
export * from './config/index.ts';
export * from './dkg/index.ts';
export * from './keys/index.ts';
export * from './l1/index.ts';
export * from './rpc/index.ts';
