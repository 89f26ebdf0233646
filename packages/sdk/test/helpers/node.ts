/**
 * The node's RPC server, imported by path: @synod/node has no package index yet (its runtime is
 * being assembled). When it does, this becomes `from '@synod/node'`.
 */

export { readBlockOrdering } from '../../../node/src/assembly/blockOrdering.ts';
export type {
  BackendCallOptions,
  BlockOrdering,
  CommitteeInfo,
  FinalizedBlock,
  FinalizedPrice,
  NamespaceBatch,
  NodeStatus,
  SynodRpcBackend,
  TransactionInclusion,
  TransactionStatus,
} from '../../../node/src/rpc/index.ts';
export {
  createRpcServer,
  RpcBackendError,
  type RpcServer,
  type RpcServerLimits,
} from '../../../node/src/rpc/index.ts';
