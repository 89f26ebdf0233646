import type { PeerId } from '@libp2p/interface';
import {
  type BlockRequest,
  MAX_BLOCK_REQUEST_COUNT,
  type SignedVoteExtension,
  type SyncedBlock,
  VoteExtensionCodec,
} from '@synod/protocol';
import { ProtocolNotSupportedError } from '../p2p/errors.ts';
import type { ReqRespProtocol } from '../p2p/reqresp/protocol.ts';
import { fetchBlocksProtocol, fetchSyncedBlocksProtocol } from '../p2p/synod.ts';
import type { StoredExtension } from '../storage/commit.ts';
import type { SyncedBlockSource } from '../storage/types.ts';

/**
 * Both ends of the catch-up block protocols (docs/consensus.md "Deviations from the paper" 6): what a node serves
 * from its store, and how a syncing node asks a peer, preferring `blocks-with-extensions` and
 * falling back to the bare `blocks` of peers that predate it.
 */

/** The certified blocks of `request` with their stored extensions (`blocks-with-extensions`), from the node's Store or the simulator's MemoryStore. */
export async function serveSyncedBlocks(
  store: SyncedBlockSource,
  request: BlockRequest,
): Promise<SyncedBlock[]> {
  const last = Math.min(store.latestHeight(), request.fromHeight + request.count - 1);
  const blocks: SyncedBlock[] = [];
  for (let height = request.fromHeight; height <= last; height++) {
    const certified = await store.getBlock(height);
    if (certified === undefined) break; // pruned
    blocks.push({
      certified,
      contentExtensions: decodeStored(await store.getContentExtensions(height)),
      commitExtensions: decodeStored(await store.getExtensions(height)),
    });
  }
  return blocks;
}

function decodeStored(stored: readonly StoredExtension[]): SignedVoteExtension[] {
  return stored
    .map((entry) => VoteExtensionCodec.decode(entry.bytes))
    .sort((a, b) => a.validatorIndex - b.validatorIndex);
}

/** The request side of a ReqResp (the node's `p2p.reqResp`). */
export interface BlockRequester {
  request<Req, Res>(
    peer: PeerId,
    protocol: ReqRespProtocol<Req, Res>,
    request: Req,
    options?: { signal?: AbortSignal },
  ): Promise<Res[]>;
}

/**
 * Blocks fromHeight, fromHeight + 1, … (at most `count`, capped at MAX_BLOCK_REQUEST_COUNT) from
 * `peer`, with their extensions when the peer serves `blocks-with-extensions`, bare otherwise.
 */
export async function requestSyncedBlocks(
  reqResp: BlockRequester,
  peer: PeerId,
  fromHeight: number,
  count: number,
  signal: AbortSignal,
): Promise<SyncedBlock[]> {
  const request = { fromHeight, count: Math.min(count, MAX_BLOCK_REQUEST_COUNT) };
  try {
    return await reqResp.request(peer, fetchSyncedBlocksProtocol, request, { signal });
  } catch (error) {
    if (!(error instanceof ProtocolNotSupportedError)) throw error;
  }
  const blocks = await reqResp.request(peer, fetchBlocksProtocol, request, { signal });
  return blocks.map((certified) => ({ certified, contentExtensions: [], commitExtensions: [] }));
}
