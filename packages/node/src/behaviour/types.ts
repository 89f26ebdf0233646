import type { Hex, SignedTransaction, SignedVoteExtension } from '@synod/protocol';
import type {
  ConsensusCrypto,
  ConsensusMessage,
  ExtensionPayload,
  ProposedBlock,
} from '../consensus/types.ts';

/**
 * Test-only interception points of the consensus driver, through which a node acts byzantine in
 * the end-to-end testnet (testnet/src/byzantine-node.ts). Nothing in a node's configuration, its
 * environment or the `synod` CLI can produce one: only code that calls `startNode(config, {
 * behaviour })` itself. Without one (the product), the driver runs the honest protocol.
 *
 * Every hook is optional and synchronous; it gets what the honest node computed and returns what
 * the node signs or sends instead. The core itself stays honest: it signs whatever a hook hands
 * back, persists its own real votes first, and never sees what `outgoing` adds.
 */
export interface NodeBehaviour {
  /** The strategy's name, for logs. */
  readonly name: string;
  /** The payload of this node's vote extension for a precommit at `height` (inclusion list, prices). */
  extendVote?(payload: ExtensionPayload, height: number, context: BehaviourContext): ExtensionPayload;
  /**
   * As proposer of `height`: the commit extensions of `height − 1` its block is built from (the
   * fair-content function's input). An honest proposer uses every one it has.
   */
  proposalExtensions?(
    extensions: readonly SignedVoteExtension[],
    height: number,
    context: BehaviourContext,
  ): SignedVoteExtension[];
  /** As proposer: the block it proposes, given the content function's output. */
  proposedBlock?(block: ProposedBlock, height: number, context: BehaviourContext): ProposedBlock;
  /**
   * The messages published for one the core broadcasts (after the record covering it is on disk):
   * `[message]` is honest; more is equivocation, none is withholding.
   */
  outgoing?(message: ConsensusMessage, context: BehaviourContext): ConsensusMessage[];
  /**
   * The node's wall clock, unix ms, in place of Date.now: a validator whose clock is off (the
   * testnet's `--clock-offset`, clock.ts). Only wall-clock readings are meant (extension and
   * first-seen timestamps, transaction expiry, oracle observation times, L1 posting schedule);
   * timers and measured durations stay on the monotonic clock, as they would on a machine whose
   * clock is wrong. startNode reads its wall clock through this when it is set.
   */
  wallClockMs?(): number;
}

/** What a behaviour may read of its node. */
export interface BehaviourContext {
  readonly validatorIndex: number;
  readonly validatorCount: number;
  /** The node's share key: a byzantine validator's extra signatures are real ones. */
  readonly crypto: ConsensusCrypto;
  /** The node's wall clock, unix ms. */
  nowMs(): number;
  /** A transaction body the node holds (pending, fetched, listed by it, recently finalized). */
  body(txId: Hex): SignedTransaction | undefined;
}
