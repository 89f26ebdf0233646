// The testnet's perps keeper in a worker thread of the runner (perps.ts startPerpsKeeper): it
// settles the clearinghouse's namespace until told to stop; on `compare` it stops, syncs its model
// with L1 once more and posts where they differ.
import { parentPort, workerData } from 'node:worker_threads';
import { compareL1WithModel } from '@synod/perps';
import { createPublicClient, http, type PublicClient } from 'viem';
import {
  briefError,
  createPerpsKeeper,
  KEEPER_POLL_MS,
  type KeeperWorkerData,
  type KeeperWorkerMessage,
  stepReport,
} from './perps.ts';

const data = workerData as KeeperWorkerData;
const port = parentPort!;
const post = (message: KeeperWorkerMessage) => port.postMessage(message);
const controller = new AbortController();
let compareWith: readonly `0x${string}`[] | undefined;

port.on('message', (message: { type: 'stop' | 'compare'; extraAccounts?: `0x${string}`[] }) => {
  if (message.type === 'compare') compareWith = message.extraAccounts ?? [];
  controller.abort();
});

const publicClient = createPublicClient({
  transport: http(data.l1RpcUrl, { retryCount: 0 }),
}) as PublicClient;
try {
  const keeper = await createPerpsKeeper(data, publicClient);
  await keeper
    .run({
      signal: controller.signal,
      pollIntervalMs: KEEPER_POLL_MS,
      onStep: (result) => post({ type: 'step', report: stepReport(result) }),
      onError: (error) => post({ type: 'error', message: briefError(error) }),
    })
    .catch((error: unknown) => post({ type: 'error', message: briefError(error) }));
  if (compareWith !== undefined) {
    try {
      await keeper.sync();
      post({
        type: 'compared',
        differences: await compareL1WithModel(publicClient, data.perps, keeper.model, compareWith),
      });
    } catch (error) {
      post({ type: 'compare-failed', message: briefError(error) });
    }
  }
} catch (error) {
  post({ type: 'error', message: briefError(error) });
  // Wait to be told to stop: the runner reads the error, then stops us.
  if (!controller.signal.aborted) {
    await new Promise<void>((resolve) =>
      controller.signal.addEventListener('abort', () => resolve(), { once: true }),
    );
  }
  if (compareWith !== undefined) post({ type: 'compare-failed', message: briefError(error) });
}
port.close();
