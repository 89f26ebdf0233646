export { VENUE_DISPLAY_DECIMALS } from './formats.ts';
export { RandomWalk, SIMULATOR_DECIMALS, venueQuote } from './market.ts';
export { startPriceSimulator } from './server.ts';
export {
  DEFAULT_SIMULATOR_MAX_STEP_PPM,
  DEFAULT_SIMULATOR_SPREAD_PPM,
  DEFAULT_SIMULATOR_TICK_MS,
  SimulatedMarket,
} from './simulated-market.ts';
export * from './types.ts';
