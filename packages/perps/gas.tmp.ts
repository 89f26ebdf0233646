import { startTestChain } from '../contracts/test/helpers/chain.ts';
import { measureClearinghouseGas } from './test/helpers/gas.ts';
const chain = await startTestChain();
try { console.log(await measureClearinghouseGas(chain)); } finally { await chain.anvil.stop(); }
