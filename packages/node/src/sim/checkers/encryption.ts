import type { FinalizedChain, FinalizedPlace, RunRecord } from './run.ts';

/**
 * Encrypted transactions (docs/protocol.md "Encrypted transactions"; issue #19), in the runs that
 * have them:
 *
 * - reveals are live: every envelope finalized at h, with h + 2 finalized, has its plaintext in
 *   block h + 2 (every envelope of the simulator is an honest encryption, so a block that reveals
 *   nothing for one is a violation, whatever its verdict), and no plaintext of an envelope is final
 *   unless its envelope is;
 * - secrecy: no honest validator's decryption share of an envelope of block h leaves any process
 *   (in any DecryptionShares message the run recorded) before some process has finalized block
 *   h + 1, the block after it: only then is the order fixed up to where its plaintext lands, so
 *   nothing written after reading it can go ahead of it. Shares are matched to (validator,
 *   envelope) by recomputing every share of the run (BLS shares are deterministic), not by where
 *   they sit in a message.
 *   A byzantine validator may release its own share whenever it likes: f of them are below the
 *   threshold;
 * - the front-runner gains nothing: each transaction a front-runner submitted in reaction to a
 *   plaintext, the moment its process could first decrypt it, is ordered after that plaintext.
 *
 * (Where a revealed plaintext sits and the nonce it carries are validity's.)
 */
export function checkEncryption(run: RunRecord, chain: FinalizedChain): string[] {
  if (!run.scenario.encryption) return [];
  const violations: string[] = [];
  const { pool, recorder } = run;

  for (const height of chain.heights) {
    const envelopes = chain.byHeight
      .get(height)!
      .transactionIds.filter((txId) => pool.byId.get(txId)?.envelope !== undefined);
    const revealing = chain.byHeight.get(height + 2);
    if (envelopes.length === 0 || revealing === undefined) continue;
    const revealed = new Set(revealing.transactionIds);
    for (const envelopeTxId of envelopes) {
      if (revealed.has(pool.byId.get(envelopeTxId)!.envelope!.plaintextTxId)) continue;
      const outcome = revealing.reveals?.find((reveal) => reveal.envelopeTxId === envelopeTxId)?.outcome;
      violations.push(
        `encryption: envelope ${envelopeTxId} final at ${height} not revealed at ${height + 2} (${outcome === undefined ? 'no verdict' : outcome.revealed ? `revealed ${outcome.txId}` : outcome.reason})`,
      );
    }
  }
  for (const [plaintextTxId, envelope] of pool.envelopes ?? []) {
    const place = chain.places.get(plaintextTxId);
    if (place !== undefined && !chain.places.has(envelope.txId))
      violations.push(
        `encryption: plaintext ${plaintextTxId} final at ${place.height}, its envelope ${envelope.txId} is not`,
      );
  }

  const honest = new Set(run.honestValidators);
  for (const sent of recorder.sharesSent.values()) {
    const owner = run.shareOwners?.get(sent.share);
    if (owner === undefined || !honest.has(owner.validatorIndex)) continue;
    const place = chain.places.get(owner.envelopeTxId);
    const finalized = place === undefined ? undefined : recorder.finalizations.get(place.height + 1);
    // Sent after the finalization: later in virtual time, or recorded after it in the same ms.
    if (
      finalized !== undefined &&
      (finalized.atMs < sent.atMs || (finalized.atMs === sent.atMs && finalized.sequence < sent.sequence))
    )
      continue;
    violations.push(
      `encryption: secrecy: v${owner.validatorIndex}'s decryption share of envelope ${owner.envelopeTxId} sent (in v${sent.signer}'s message) at ${sent.atMs} ms, ${
        place === undefined
          ? 'and the envelope is not final'
          : finalized === undefined
            ? `and block ${place.height + 1}, after its block, was never finalized`
            : `before block ${place.height + 1}, after its block ${place.height}, was finalized (first at ${finalized.atMs} ms)`
      }`,
    );
  }

  const before = (a: FinalizedPlace, b: FinalizedPlace) =>
    a.height < b.height || (a.height === b.height && a.position < b.position);
  for (const reaction of recorder.reactions) {
    const reactionPlace = chain.places.get(reaction.reactionTxId);
    if (reactionPlace === undefined) continue;
    const plaintextPlace = chain.places.get(reaction.plaintextTxId);
    if (plaintextPlace !== undefined && before(plaintextPlace, reactionPlace)) continue;
    violations.push(
      `encryption: front-running: v${reaction.validatorIndex} read ${reaction.plaintextTxId} at ${reaction.atMs} ms; its reaction ${reaction.reactionTxId} is final at ${reactionPlace.height}/${reactionPlace.position}, the plaintext ${plaintextPlace === undefined ? 'is not final' : `at ${plaintextPlace.height}/${plaintextPlace.position}`}`,
    );
  }
  return violations;
}
