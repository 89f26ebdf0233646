import {
  type DkgConfig,
  type DkgOutput,
  type DkgResult,
  type DkgState,
  decodeDkgMessage,
  dkgInit,
  dkgKeysFromSeed,
  dkgStep,
  g1ToEip2537,
} from '@synod/protocol';
import { bytesToHex } from 'viem';
import type { Committee } from './synod.ts';

/** Phase rounds before an honest run must have finished (deal, response, justification). */
const MAX_DKG_ROUNDS = 10;

function seedBytes(label: string, index: number): Uint8Array {
  const bytes = new Uint8Array(32);
  bytes.set(new TextEncoder().encode(label).subarray(0, 28));
  new DataView(bytes.buffer).setUint32(28, index);
  return bytes;
}

/**
 * Runs @synod/protocol's DKG among n honest in-memory participants (every broadcast goes over
 * its wire encoding to everyone else, phases end by timeout once the queue is empty) and returns
 * the committee it produced: key shares nobody dealt alone.
 */
export function runHonestDkg(n: number, seed: number): Committee {
  const f = Math.floor((n - 1) / 3);
  const t = 2 * f + 1;
  const keys = Array.from({ length: n }, (_, i) => dkgKeysFromSeed(seedBytes(`identity ${seed}`, i)));
  const config: DkgConfig = {
    networkId: 7,
    epoch: 0,
    nonce: seedBytes(`nonce ${seed}`, 0),
    threshold: t,
    participants: keys.map((key) => ({
      signingPublicKey: key.signingPublicKey,
      encryptionPublicKey: key.encryptionPublicKey,
    })),
  };
  const queue: { from: number; bytes: Uint8Array }[] = [];
  const results: (DkgResult | undefined)[] = Array.from({ length: n }, () => undefined);
  const handle = (index: number, outputs: readonly DkgOutput[]) => {
    for (const output of outputs) {
      if (output.type === 'broadcast') queue.push({ from: index, bytes: output.bytes });
      else if (output.type === 'finished') results[index] = output.result;
      else if (output.type === 'failed')
        throw new Error(`DKG participant ${index} failed: ${output.error.message}`);
    }
  };
  const states: DkgState[] = keys.map((key, index) => {
    const { state, outputs } = dkgInit(config, {
      index,
      signingSecretKey: key.signingSecretKey,
      encryptionSecretKey: key.encryptionSecretKey,
      randomness: seedBytes(`randomness ${seed}`, index),
    });
    handle(index, outputs);
    return state;
  });
  const deliver = (index: number, input: Parameters<typeof dkgStep>[1]) => {
    const { state, outputs } = dkgStep(states[index]!, input);
    states[index] = state;
    handle(index, outputs);
  };
  for (let round = 0; round < MAX_DKG_ROUNDS && results.some((result) => result === undefined); round++) {
    while (queue.length > 0) {
      const { from, bytes } = queue.shift()!;
      for (let to = 0; to < n; to++) if (to !== from) deliver(to, decodeDkgMessage(bytes));
    }
    for (let index = 0; index < n; index++) {
      if (results[index] === undefined) deliver(index, { type: 'phaseTimeout', phase: states[index]!.phase });
    }
  }
  const finished = results.filter((result): result is DkgResult => result !== undefined);
  if (finished.length !== n) throw new Error(`DKG did not finish in ${MAX_DKG_ROUNDS} rounds`);
  const groupPublicKey = finished[0]!.groupPublicKey;
  return {
    n,
    t,
    shares: finished.map((result) => ({
      index: result.shareIndex,
      secretKey: result.shareSecretKey,
      publicKey: result.sharePublicKey,
    })),
    groupPublicKey,
    groupPublicKeyEip: bytesToHex(g1ToEip2537(groupPublicKey)),
    commitments: finished[0]!.commitments,
  };
}
