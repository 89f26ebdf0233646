import {
  type DkgConfig,
  type DkgMessage,
  type DkgResult,
  decodeDkgMessage,
  dkgKeysFromSeed,
  dkgSessionId,
  encryptionThreshold,
  partialSign,
  recoverGroupSignature,
  verifyGroupSignature,
} from '@synod/protocol';
import { describe, expect, test } from 'vitest';
import {
  DkgDriver,
  type DkgPhaseTimeouts,
  DkgSessionError,
  dkgTopicName,
  encryptionDkgConfig,
} from '../../src/dkg/index.ts';

/**
 * DkgDriver over an in-memory broadcast (through the wire codec), with real timers: the phases,
 * timeouts and early phase ends that `synod dkg` relies on, without the network.
 */

function committee(n: number, threshold: number) {
  const keys = Array.from({ length: n }, (_, i) => dkgKeysFromSeed(new Uint8Array(32).fill(i + 1)));
  const config: DkgConfig = {
    networkId: 1,
    epoch: 0,
    nonce: new Uint8Array(32).fill(42),
    threshold,
    participants: keys.map((k) => ({
      signingPublicKey: k.signingPublicKey,
      encryptionPublicKey: k.encryptionPublicKey,
    })),
  };
  return { keys, config };
}

/** Runs the drivers of `present` participants; the others never speak. */
function runDrivers(n: number, threshold: number, present: readonly number[], timeouts: DkgPhaseTimeouts) {
  const { keys, config } = committee(n, threshold);
  const drivers = new Map<number, DkgDriver>();
  for (const index of present) {
    const driver = new DkgDriver(
      {
        config,
        secrets: {
          index,
          signingSecretKey: keys[index]!.signingSecretKey,
          encryptionSecretKey: keys[index]!.encryptionSecretKey,
          randomness: new Uint8Array(32).fill(100 + index),
        },
        timeouts,
      },
      {
        broadcast: (_message: DkgMessage, bytes: Uint8Array) => {
          for (const [other, peer] of drivers) {
            if (other === index) continue;
            setImmediate(() => peer.receive(decodeDkgMessage(bytes)));
          }
          return undefined;
        },
      },
    );
    drivers.set(index, driver);
  }
  for (const driver of drivers.values()) driver.start();
  return { drivers: [...drivers.values()], config };
}

const hex = (bytes: Uint8Array) => Buffer.from(bytes).toString('hex');

function expectSameKeyThatSigns(results: DkgResult[], threshold: number) {
  const groupKeys = new Set(results.map((result) => hex(result.groupPublicKey)));
  expect(groupKeys.size).toBe(1);
  const message = new TextEncoder().encode('synod/test/v1');
  const partials = results
    .slice(0, threshold)
    .map((result) => ({ index: result.shareIndex, signature: partialSign(result.shareSecretKey, message) }));
  const signature = recoverGroupSignature(partials, threshold);
  expect(verifyGroupSignature(results[0]!.groupPublicKey, message, signature)).toBe(true);
}

describe('DkgDriver', { timeout: 20_000 }, () => {
  test('a full committee finishes as soon as every message is in, long before any timeout', async () => {
    const startedMs = Date.now();
    const { drivers } = runDrivers(4, 3, [0, 1, 2, 3], {
      dealMs: 60_000,
      responseMs: 60_000,
      justificationMs: 60_000,
    });
    const results = await Promise.all(drivers.map((driver) => shareOf(driver.result)));
    expect(Date.now() - startedMs).toBeLessThan(10_000);
    expect(results.map((result) => result.qualified)).toEqual(Array(4).fill([0, 1, 2, 3]));
    expectSameKeyThatSigns(results, 3);
  });

  test('with one participant silent, the deal timeout ends the phase and the other three form the key', async () => {
    const { drivers } = runDrivers(4, 3, [0, 1, 2], { dealMs: 300, responseMs: 300, justificationMs: 300 });
    const results = await Promise.all(drivers.map((driver) => shareOf(driver.result)));
    for (const result of results) {
      expect(result.qualified).toEqual([0, 1, 2]);
      expect(result.excluded).toEqual([{ dealerIndex: 3, reason: 'MISSING_DEAL' }]);
    }
    expectSameKeyThatSigns(results, 3);
  });

  test('below the threshold the session fails with the excluded dealers named', async () => {
    const { drivers } = runDrivers(4, 3, [0, 1], { dealMs: 200, responseMs: 200, justificationMs: 200 });
    for (const driver of drivers) {
      const error = await driver.result.then(
        () => undefined,
        (reason: unknown) => reason,
      );
      expect(error).toBeInstanceOf(DkgSessionError);
      expect((error as DkgSessionError).code).toBe('FAILED');
      expect((error as DkgSessionError).message).toMatch(
        /TOO_FEW_QUALIFIED.*2 \(MISSING_DEAL\), 3 \(MISSING_DEAL\)/,
      );
    }
  });

  test('stop() rejects the result with ABORTED and cancels the timer', async () => {
    const { drivers } = runDrivers(4, 3, [0], {
      dealMs: 60_000,
      responseMs: 60_000,
      justificationMs: 60_000,
    });
    drivers[0]!.stop('SIGINT received');
    await expect(drivers[0]!.result).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

describe('the encryption-key session beside the signing one', { timeout: 20_000 }, () => {
  test('same committee and nonce, threshold f + 1, another session id and so another topic', () => {
    const { config } = committee(4, 3);
    const encryption = encryptionDkgConfig(config);
    expect(encryption).toMatchObject({ purpose: 'encryption', threshold: encryptionThreshold(4) });
    expect(encryption.threshold).toBe(2);
    expect([encryption.nonce, encryption.participants]).toEqual([config.nonce, config.participants]);
    expect(dkgTopicName(dkgSessionId(encryption))).not.toBe(dkgTopicName(dkgSessionId(config)));
  });

  test('both sessions on one transport: each driver takes only its own session, both finish', async () => {
    const { keys, config } = committee(4, 3);
    const configs = [config, encryptionDkgConfig(config)];
    const timeouts = { dealMs: 60_000, responseMs: 60_000, justificationMs: 60_000 };
    const drivers: DkgDriver[][] = configs.map(() => []);
    for (const [k, sessionConfig] of configs.entries()) {
      for (let index = 0; index < 4; index++) {
        drivers[k]!.push(
          new DkgDriver(
            {
              config: sessionConfig,
              secrets: {
                index,
                signingSecretKey: keys[index]!.signingSecretKey,
                encryptionSecretKey: keys[index]!.encryptionSecretKey,
                // One randomness for both: the session id salts the polynomial.
                randomness: new Uint8Array(32).fill(100 + index),
              },
              timeouts,
            },
            {
              // Every message reaches every other driver of both sessions, as if on one topic.
              broadcast: (_message: DkgMessage, bytes: Uint8Array) => {
                for (const session of drivers)
                  for (const [other, peer] of session.entries())
                    if (other !== index) setImmediate(() => peer.receive(decodeDkgMessage(bytes)));
                return undefined;
              },
            },
          ),
        );
      }
    }
    for (const session of drivers) for (const driver of session) driver.start();
    const [signing, encryption] = await Promise.all(
      drivers.map((session) => Promise.all(session.map((driver) => shareOf(driver.result)))),
    );
    expectSameKeyThatSigns(signing!, 3);
    expectSameKeyThatSigns(encryption!, 2);
    expect(encryption![0]!.commitments).toHaveLength(2);
    expect(hex(encryption![0]!.groupPublicKey)).not.toBe(hex(signing![0]!.groupPublicKey));
  });
});

/** The share a DKG driver ended with (a DKG, unlike a reshare, never hands over). */
async function shareOf(end: DkgDriver['result']): Promise<DkgResult> {
  const settled = await end;
  if (settled.kind !== 'share') throw new Error('a DKG participant handed over');
  return settled.result;
}
