import type { PeerId } from '@libp2p/interface';
import type { CertifiedBlock, SyncedBlock } from '@synod/protocol';
import { describe, expect, test } from 'vitest';
import { ProtocolNotSupportedError } from '../../src/p2p/errors.ts';
import type { ReqRespProtocol } from '../../src/p2p/reqresp/protocol.ts';
import { fetchBlocksProtocol, fetchSyncedBlocksProtocol } from '../../src/p2p/synod.ts';
import { type BlockRequester, requestSyncedBlocks } from '../../src/sync/serve.ts';

/** The requester prefers `blocks-with-extensions` and falls back to `blocks` for older peers. */

const peer = { toString: () => 'peer' } as unknown as PeerId;
const certified = { block: { header: { height: 5 } } } as unknown as CertifiedBlock;

function requester(supportsExtensions: boolean, asked: string[]): BlockRequester {
  return {
    async request<Req, Res>(_peer: PeerId, protocol: ReqRespProtocol<Req, Res>): Promise<Res[]> {
      asked.push(protocol.id);
      if (protocol.id === fetchSyncedBlocksProtocol.id) {
        if (!supportsExtensions) throw new ProtocolNotSupportedError(protocol.id, 'peer');
        const synced: SyncedBlock = { certified, contentExtensions: [], commitExtensions: [] };
        return [synced as Res];
      }
      return [certified as Res];
    },
  };
}

describe('requestSyncedBlocks', () => {
  test('asks blocks-with-extensions first', async () => {
    const asked: string[] = [];
    const blocks = await requestSyncedBlocks(requester(true, asked), peer, 5, 100, AbortSignal.timeout(1000));
    expect(asked).toEqual([fetchSyncedBlocksProtocol.id]);
    expect(blocks).toHaveLength(1);
  });

  test('falls back to bare blocks (no extensions) for a peer without the new protocol', async () => {
    const asked: string[] = [];
    const blocks = await requestSyncedBlocks(
      requester(false, asked),
      peer,
      5,
      100,
      AbortSignal.timeout(1000),
    );
    expect(asked).toEqual([fetchSyncedBlocksProtocol.id, fetchBlocksProtocol.id]);
    expect(blocks).toEqual([{ certified, contentExtensions: [], commitExtensions: [] }]);
  });
});
