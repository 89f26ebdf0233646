// The price simulator and one validator's observation of ETH/USD from three venues, one of them
// pumped (pnpm exec node packages/oracle/scripts/observe.ts).
import { createFeedSourceConfig, createSourceHealths, formatFixedPoint, observeFeed } from '@synod/oracle';
import { startPriceSimulator } from '@synod/oracle/simulator';

const simulator = await startPriceSimulator({
  seed: 42,
  pairs: [{ pair: 'ETH/USD', initialPrice: '3000.00' }],
});

const ethUsd = createFeedSourceConfig({
  feedId: '0x4554482f55534400000000000000000000000000000000000000000000000000',
  decimals: 8,
  pair: 'ETH/USD',
  sources: [
    { id: 'coinbase', kind: 'coinbase', baseUrl: simulator.urls.coinbase, symbol: 'ETH-USD' },
    { id: 'kraken', kind: 'kraken', baseUrl: simulator.urls.kraken, symbol: 'ETHUSD' },
    { id: 'binance', kind: 'binance', baseUrl: simulator.urls.binance, symbol: 'ETHUSD' },
  ],
});
const healths = createSourceHealths(ethUsd);
const show = async (label: string) => {
  const { observation, sources } = await observeFeed(ethUsd, healths, { now: Date.now });
  const venues = sources.map((s) =>
    s.healthy ? `${s.sourceId} ${formatFixedPoint(s.lastPrice!, 8, 2)}` : `${s.sourceId} ${s.lastErrorCode}`,
  );
  const price = observation === undefined ? 'none' : formatFixedPoint(observation.price, 8, 2);
  console.log(`${label.padEnd(22)} observation ${price}  [${venues.join(', ')}]`);
};

await show('honest');
simulator.control.pump({ venue: 'kraken' }, 1.5); // a thin-market pump on one venue
await show('kraken pumped ×1.5');
simulator.control.garbage({ venue: 'binance' }, 'not-json');
await show('binance answers HTML');
simulator.control.down({});
await show('every venue down'); // (sources already failing stay in backoff)
await simulator.stop();
