// The price simulator as a process, for the testnet and for trying sources by hand:
//   pnpm --filter @synod/oracle simulator --seed 7 --port 8700 --pair ETH/USD=3000 --pair BTC/USD=60000
// Prints one JSON line with the URLs once listening; stops cleanly on SIGINT/SIGTERM.
// Faults at run time: curl -X POST localhost:8700/control -d '{"action":"pump","venue":"kraken","pair":"ETH/USD","factor":1.2}'
// A market crash (every venue, not a fault): curl -X POST localhost:8700/control -d '{"action":"crash","pair":"ETH/USD","factor":0.7}'
import { parseArgs } from 'node:util';
import {
  type SimulatedPairOptions,
  type SimulatedVenue,
  startPriceSimulator,
} from '../src/simulator/index.ts';

const { values } = parseArgs({
  // `pnpm run simulator -- --seed 7` passes the `--` through.
  args: process.argv.slice(2).filter((arg) => arg !== '--'),
  options: {
    seed: { type: 'string', default: '1' },
    port: { type: 'string', default: '0' },
    host: { type: 'string', default: '127.0.0.1' },
    pair: { type: 'string', multiple: true },
    venue: { type: 'string', multiple: true },
    'tick-ms': { type: 'string', default: '1000' },
    'max-step-ppm': { type: 'string' },
    'spread-ppm': { type: 'string' },
  },
});

const pairs: SimulatedPairOptions[] = (values.pair ?? ['ETH/USD=3000.00', 'BTC/USD=60000.00']).map((spec) => {
  const [pair, initialPrice] = spec.split('=');
  if (pair === undefined || initialPrice === undefined)
    throw new Error(`--pair ${spec}: expected BASE/QUOTE=PRICE`);
  return { pair, initialPrice };
});

const simulator = await startPriceSimulator({
  seed: values.seed,
  pairs,
  port: Number(values.port),
  host: values.host,
  tickMs: Number(values['tick-ms']),
  ...(values.venue === undefined ? {} : { venues: values.venue as SimulatedVenue[] }),
  ...(values['max-step-ppm'] === undefined ? {} : { maxStepPpm: Number(values['max-step-ppm']) }),
  ...(values['spread-ppm'] === undefined ? {} : { spreadPpm: Number(values['spread-ppm']) }),
});
console.log(JSON.stringify({ url: simulator.url, urls: simulator.urls, seed: values.seed, pairs }));

let stopping = false;
const shutdown = (): void => {
  if (stopping) return;
  stopping = true;
  void simulator.stop().then(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
