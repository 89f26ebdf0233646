import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSynodClient, getEvidence, http, VerificationError } from '../src/index.ts';
import { startTestNode, TEST_NETWORK, type TestNode } from './helpers/server.ts';

let node: TestNode;
beforeAll(async () => {
  node = await startTestNode();
});
afterAll(async () => {
  await node.stop();
});

describe('getEvidence', () => {
  it('returns the equivocations of a height with both signatures checked under the share key', async () => {
    node.chain.equivocate(5, 2);
    const client = createSynodClient({ transport: http(node.url), network: TEST_NETWORK });
    const evidence = await client.getEvidence({ height: 5 });
    expect(evidence).toHaveLength(1);
    expect(evidence[0]).toMatchObject({ validatorIndex: 2, height: 5, round: 0, kind: 'prevote' });
    expect(evidence[0]!.votes[0].blockId).not.toBe(evidence[0]!.votes[1].blockId);
    expect(evidence[0]!.raw).toMatch(/^0x[0-9a-f]+$/);
    expect(await getEvidence(client, { height: 6 })).toEqual([]);
  });

  it('refuses evidence a node made up: signatures that are not the validator’s', async () => {
    node.chain.equivocate(7, 1, 'another key');
    const client = createSynodClient({ transport: http(node.url), network: TEST_NETWORK });
    const error = await getEvidence(client, { height: 7 }).catch((caught: unknown) => caught);
    expect(error).toBeInstanceOf(VerificationError);
    expect((error as VerificationError).reason).toBe('INVALID_EVIDENCE');
    // Unverified, the same answer comes back as served (for tooling that checks it elsewhere).
    expect(await getEvidence(client, { height: 7, verify: false })).toHaveLength(1);
  });

  it('checks evidence under the committee of its height’s epoch (after a reshare, every share key changed)', async () => {
    const client = createSynodClient({ transport: http(node.url), network: TEST_NETWORK });
    node.chain.epoch = 2;
    try {
      const height = node.chain.height + 1;
      node.chain.produceBlock(); // a finalized block of epoch 2 at `height`
      node.chain.equivocate(height, 3);
      // The node knows no committee of epoch 2: the check asks for it, not for the genesis one.
      const error = await getEvidence(client, { height }).catch((caught: unknown) => caught);
      expect((error as VerificationError).reason).toBe('UNKNOWN_COMMITTEE');
    } finally {
      node.chain.epoch = 0;
    }
  });
});
