import { describe, expect, it } from 'vitest';
import {
  binanceAdapter,
  coinbaseAdapter,
  krakenAdapter,
  type SourceConfig,
  SourceError,
  type SourceErrorCode,
} from '../src/index.ts';

function source(overrides: Partial<SourceConfig>): SourceConfig {
  return {
    id: 'test',
    kind: 'coinbase',
    baseUrl: 'https://venue.example/api/',
    symbol: 'BTC-USD',
    timeoutMs: 2_000,
    maxBodyBytes: 16_384,
    ...overrides,
  };
}

function codeOf(run: () => unknown): SourceErrorCode | undefined {
  try {
    run();
  } catch (error) {
    if (error instanceof SourceError) return error.code;
    throw error;
  }
  return undefined;
}

// Bodies as the venues document them (see each adapter's comment for the page).
describe('coinbase adapter', () => {
  const coinbase = source({ kind: 'coinbase', symbol: 'BTC-USD' });

  it('requests the product ticker under the base URL', () => {
    expect(coinbaseAdapter.requestUrl(coinbase)).toBe('https://venue.example/api/products/BTC-USD/ticker');
  });

  it('takes the last trade price and its RFC 3339 time', () => {
    const body = {
      trade_id: 4729088,
      price: '333.99',
      size: '0.193',
      bid: '333.98',
      ask: '333.99',
      volume: '5957.11914015',
      time: '2015-11-14T20:46:03.511254Z',
    };
    expect(coinbaseAdapter.parse(body, coinbase)).toEqual({
      price: '333.99',
      venueTimeMs: Date.parse('2015-11-14T20:46:03.511Z'),
    });
    expect(coinbaseAdapter.parse({ ...body, time: '2015-11-14T21:46:03+01:00' }, coinbase).venueTimeMs).toBe(
      Date.parse('2015-11-14T20:46:03Z'),
    );
  });

  it('refuses a missing or non-RFC 3339 time and a non-object body', () => {
    expect(codeOf(() => coinbaseAdapter.parse({ price: '1.0' }, coinbase))).toBe('MALFORMED');
    expect(codeOf(() => coinbaseAdapter.parse({ price: '1.0', time: 1447533963 }, coinbase))).toBe(
      'MALFORMED',
    );
    expect(codeOf(() => coinbaseAdapter.parse({ price: '1.0', time: '2015-11-14 20:46:03' }, coinbase))).toBe(
      'MALFORMED',
    );
    expect(
      codeOf(() => coinbaseAdapter.parse({ price: '1.0', time: '2015-13-40T20:46:03Z' }, coinbase)),
    ).toBe('MALFORMED');
    expect(codeOf(() => coinbaseAdapter.parse([], coinbase))).toBe('MALFORMED');
  });
});

describe('kraken adapter', () => {
  const kraken = source({ kind: 'kraken', symbol: 'XBTUSD', resultKey: 'XXBTZUSD' });
  const answer = {
    error: [],
    result: {
      XXBTZUSD: {
        a: ['30300.10000', '1', '1.000'],
        b: ['30300.00000', '1', '1.000'],
        c: ['30303.20000', '0.00067643'],
        v: ['4083.67001100', '4412.73601799'],
        p: ['30706.77771', '30689.13205'],
        t: [34619, 38907],
        l: ['29868.30000', '29868.30000'],
        h: ['31631.00000', '31631.00000'],
        o: '30502.80000',
      },
    },
  };

  it('requests the pair on the public Ticker endpoint', () => {
    expect(krakenAdapter.requestUrl(kraken)).toBe('https://venue.example/api/0/public/Ticker?pair=XBTUSD');
  });

  it('takes the last trade closed, c[0], under the result key; no venue time', () => {
    expect(krakenAdapter.parse(answer, kraken)).toEqual({ price: '30303.20000' });
  });

  it('refuses a Kraken error, another pair, a missing c, and a missing error list', () => {
    expect(codeOf(() => krakenAdapter.parse({ error: ['EQuery:Unknown asset pair'] }, kraken))).toBe(
      'MALFORMED',
    );
    expect(codeOf(() => krakenAdapter.parse(answer, { ...kraken, resultKey: 'XETHZUSD' }))).toBe('MALFORMED');
    expect(codeOf(() => krakenAdapter.parse({ error: [], result: { XXBTZUSD: { a: [] } } }, kraken))).toBe(
      'MALFORMED',
    );
    expect(codeOf(() => krakenAdapter.parse({ result: answer.result }, kraken))).toBe('MALFORMED');
  });
});

describe('binance adapter', () => {
  const binance = source({ kind: 'binance', symbol: 'LTCBTC' });

  it('requests the symbol price ticker', () => {
    expect(binanceAdapter.requestUrl(binance)).toBe(
      'https://venue.example/api/api/v3/ticker/price?symbol=LTCBTC',
    );
  });

  it('takes the price of the symbol asked for; no venue time', () => {
    expect(binanceAdapter.parse({ symbol: 'LTCBTC', price: '4.00000200' }, binance)).toEqual({
      price: '4.00000200',
    });
  });

  it('refuses another symbol, a missing symbol, and the array answer of a symbol-less request', () => {
    expect(codeOf(() => binanceAdapter.parse({ symbol: 'ETHBTC', price: '4.0' }, binance))).toBe('MALFORMED');
    expect(codeOf(() => binanceAdapter.parse({ price: '4.0' }, binance))).toBe('MALFORMED');
    expect(codeOf(() => binanceAdapter.parse([{ symbol: 'LTCBTC', price: '4.0' }], binance))).toBe(
      'MALFORMED',
    );
  });
});
