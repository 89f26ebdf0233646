import { formatFixedPoint } from '../sources/decimal.ts';
import { SIMULATOR_DECIMALS } from './market.ts';
import type { GarbageKind, SimulatedVenue } from './types.ts';

/** Fraction digits each venue prints, as the real ones do for BTC/USD: Coinbase and Binance 8, Kraken 5. */
export const VENUE_DISPLAY_DECIMALS: Record<SimulatedVenue, number> = { coinbase: 8, kraken: 5, binance: 8 };

/** What the server sends for one request. */
export interface VenueAnswer {
  status: number;
  contentType: string;
  /** Sent chunked (no content-length) when several; else one body with a content-length. */
  chunks: string[];
}

export interface TickerFacts {
  venue: SimulatedVenue;
  symbol: string;
  /** Kraken's result key. */
  resultKey: string;
  /** 8 decimals. */
  price: bigint;
  /** Venue time of the price (Coinbase `time`). */
  timeMs: number;
  tradeId: number;
  garbage: GarbageKind | undefined;
}

const json = (status: number, value: unknown): VenueAnswer => ({
  status,
  contentType: 'application/json',
  chunks: [JSON.stringify(value)],
});

/** Coinbase `time`: RFC 3339 with microseconds, as the Exchange API prints it. */
function coinbaseTime(timeMs: number): string {
  return new Date(timeMs).toISOString().replace(/Z$/, '000Z');
}

/** The ticker answer in the venue's format, with the requested garbage applied. */
export function tickerAnswer(facts: TickerFacts): VenueAnswer {
  const { venue, garbage } = facts;
  if (garbage === 'not-json') {
    return {
      status: 200,
      contentType: 'text/html',
      chunks: ['<html><body><h1>502 Bad Gateway</h1></body></html>'],
    };
  }
  const printed = formatFixedPoint(facts.price, SIMULATOR_DECIMALS, VENUE_DISPLAY_DECIMALS[venue]);
  const price =
    garbage === 'exponent'
      ? `${formatFixedPoint(facts.price, SIMULATOR_DECIMALS, 4)}e0`
      : garbage === 'negative'
        ? `-${printed}`
        : garbage === 'zero'
          ? formatFixedPoint(0n, SIMULATOR_DECIMALS, VENUE_DISPLAY_DECIMALS[venue])
          : garbage === 'absurd'
            ? `1${'0'.repeat(20)}.00`
            : printed;
  const body = venueBody(facts, price);
  if (garbage === 'oversize') {
    // A valid ticker after 128 KiB of padding: only the byte cap can refuse it.
    const padding = 'x'.repeat(32 * 1024);
    return {
      status: 200,
      contentType: 'application/json',
      chunks: ['{"padding":"', padding, padding, padding, padding, `","ticker":${JSON.stringify(body)}}`],
    };
  }
  return json(200, body);
}

function venueBody(facts: TickerFacts, price: string): Record<string, unknown> {
  const { venue, garbage, symbol } = facts;
  const missing = garbage === 'missing-field';
  const wrongSymbol = garbage === 'wrong-symbol';
  switch (venue) {
    case 'coinbase': {
      const body: Record<string, unknown> = {
        ask: price,
        bid: price,
        volume: '12345.67890000',
        trade_id: facts.tradeId,
        price,
        size: '0.01000000',
        time: wrongSymbol ? 'yesterday' : coinbaseTime(facts.timeMs),
      };
      if (missing) delete body.price;
      return body;
    }
    case 'kraken': {
      const ticker: Record<string, unknown> = {
        a: [price, '1', '1.000'],
        b: [price, '1', '1.000'],
        c: [price, '0.01000000'],
        v: ['100.00000000', '200.00000000'],
        p: [price, price],
        t: [facts.tradeId, facts.tradeId],
        l: [price, price],
        h: [price, price],
        o: price,
      };
      if (missing) delete ticker.c;
      return { error: [], result: { [wrongSymbol ? `X${facts.resultKey}` : facts.resultKey]: ticker } };
    }
    case 'binance': {
      const body: Record<string, unknown> = { symbol: wrongSymbol ? `${symbol}X` : symbol, price };
      if (missing) delete body.price;
      return body;
    }
  }
}

/** The venue's answer to a market it does not list, as the real venues answer. */
export function unknownSymbolAnswer(venue: SimulatedVenue): VenueAnswer {
  switch (venue) {
    case 'coinbase':
      return json(404, { message: 'NotFound' });
    case 'kraken':
      return json(200, { error: ['EQuery:Unknown asset pair'] });
    case 'binance':
      return json(400, { code: -1121, msg: 'Invalid symbol.' });
  }
}

export function serverErrorAnswer(): VenueAnswer {
  return json(500, { message: 'Internal Server Error' });
}
