/** Prints the method reference of docs/rpc.md (see rpcReference.ts). */
import { renderRpcReference } from './rpcReference.ts';

console.log(await renderRpcReference());
