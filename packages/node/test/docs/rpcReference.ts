/**
 * The method reference of docs/rpc.md ("## Methods" to the end): parameters, results and errors
 * from the OpenRPC document (docs/openrpc.json), and example exchanges recorded from a real RPC
 * server over a stub backend (packages/node/test/rpc/helpers.ts). The docs test compares it with
 * the doc; `node packages/node/test/docs/printRpcDoc.ts` prints it.
 */
import { readFileSync } from 'node:fs';
import { encodedTransaction } from '../rpc/fixtures.ts';
import { call, hash, StubBackend, startServer } from '../rpc/helpers.ts';

type Schema = Record<string, unknown>;
const doc = JSON.parse(readFileSync(new URL('../../../../docs/openrpc.json', import.meta.url), 'utf8')) as {
  methods: {
    name: string;
    summary: string;
    description?: string;
    params: { name: string; required?: boolean; description?: string; schema: Schema }[];
    result: { name: string; description?: string; schema: Schema };
    errors?: { $ref: string }[];
  }[];
  components: { errors: Record<string, { code: number }> };
};

function typeOf(schema: Schema): string {
  if (typeof schema.$ref === 'string') return `\`${schema.$ref.split('/').pop()}\``;
  if (Array.isArray(schema.oneOf)) return (schema.oneOf as Schema[]).map(typeOf).join(' or ');
  if (Array.isArray(schema.anyOf)) return (schema.anyOf as Schema[]).map(typeOf).join(' or ');
  if (schema.const !== undefined) return `\`${JSON.stringify(schema.const)}\``;
  if (Array.isArray(schema.enum))
    return (schema.enum as unknown[]).map((v) => `\`${JSON.stringify(v)}\``).join(' / ');
  if (schema.type === 'array' && schema.items) return `array of ${typeOf(schema.items as Schema)}`;
  const title = typeof schema.title === 'string' ? ` (${schema.title})` : '';
  return `${String(schema.type ?? 'value')}${title}`;
}

const oneLine = (text: string | undefined): string =>
  (text ?? '').replace(/\s*\n\s*/g, ' ').replace(/\|/g, '\\|');

/** Hand-written examples of the methods the stub server cannot show over HTTP. */
const EXTRAS: Record<string, string> = {
  synod_subscribe: [
    'Over the WebSocket (`ws://<rpc.host>:<rpc.port>/ws`); the subscription id is 16 random bytes as hex, and each notification names it:',
    '',
    '```json',
    '{"jsonrpc":"2.0","id":1,"method":"synod_subscribe","params":["transactionFinality",{"txId":"0x7777777777777777777777777777777777777777777777777777777777777777"}]}',
    '{"jsonrpc":"2.0","id":1,"result":"0x3f2a9c0d5e6b47a18c9d0e1f2a3b4c5d"}',
    '{"jsonrpc":"2.0","method":"synod_subscription","params":{"subscription":"0x3f2a9c0d5e6b47a18c9d0e1f2a3b4c5d","result":{"status":"finalized", "…": "a TransactionStatus as synod_getTransactionStatus returns it"}}}',
    '```',
    '',
    '`newBlocks` takes no filter and notifies each finalized block (as `synod_getBlockByHeight` without',
    'transactions); `prices` takes an optional `{"feedId": …}` and notifies each finalized price (as',
    '`synod_getPrice`).',
  ].join('\n'),
  synod_unsubscribe: [
    '```json',
    '{"jsonrpc":"2.0","id":2,"method":"synod_unsubscribe","params":["0x3f2a9c0d5e6b47a18c9d0e1f2a3b4c5d"]}',
    '{"jsonrpc":"2.0","id":2,"result":true}',
    '```',
  ].join('\n'),
  'rpc.discover': [
    '```json',
    '{"jsonrpc":"2.0","id":1,"method":"rpc.discover"}',
    '{"jsonrpc":"2.0","id":1,"result":{"openrpc":"1.3.2","info":{"title":"Synod node JSON-RPC", "…": "the whole of docs/openrpc.json"}}}',
    '```',
  ].join('\n'),
};

export async function renderRpcReference(): Promise<string> {
  const backend = new StubBackend();
  const { server, address } = await startServer({ backend });
  const url = address.url;
  const tx = await encodedTransaction(0n);
  const examples: Record<string, unknown[] | undefined> = {
    synod_sendTransaction: [tx],
    synod_getTransactionStatus: [hash(0x77)],
    synod_getNextNonce: ['0x1a642f0e3c3af545e7acbd38b07251b3990914f1'],
    synod_getBlock: [hash(2), false],
    synod_getBlockByHeight: ['latest', false],
    synod_getCommittee: [],
    synod_getPrice: [hash(0xfe)],
    synod_getL1Proof: [hash(0x77)],
    synod_getNamespaceBatch: [hash(0x11), 5],
    synod_getNextNamespaceBatch: [hash(0x11), 4],
    synod_getHeaderProof: [3, 5],
    synod_getEvidence: [3],
    synod_getBlockOrdering: [3],
    synod_status: [],
  };
  const out: string[] = [];
  for (const method of doc.methods) {
    out.push(
      `### \`${method.name}\``,
      '',
      `${method.summary}${method.description ? ` ${oneLine(method.description)}` : ''}`,
      '',
    );
    if (method.params.length === 0) out.push('Parameters: none.', '');
    else {
      out.push('| # | param | type | required | meaning |', '| - | ----- | ---- | -------- | ------- |');
      for (const [i, p] of method.params.entries()) {
        const meaning = oneLine(p.description ?? (p.schema.description as string | undefined));
        out.push(
          `| ${i} | \`${p.name}\` | ${typeOf(p.schema)} | ${p.required ? 'yes' : 'no'} | ${meaning} |`,
        );
      }
      out.push('');
    }
    out.push(
      `Result \`${method.result.name}\`: ${typeOf(method.result.schema)}${method.result.description || method.result.schema.description ? `: ${oneLine(method.result.description ?? (method.result.schema.description as string))}` : ''}.`,
      '',
    );
    const errors = (method.errors ?? []).map((e) => e.$ref.split('/').pop()!);
    if (errors.length > 0) {
      out.push(
        `Errors (\`data.code\`, JSON-RPC code): ${errors.map((e) => `\`${e}\` ${doc.components.errors[e]?.code}`).join(', ')}.`,
        '',
      );
    }
    const params = examples[method.name];
    if (params !== undefined) {
      const request = { jsonrpc: '2.0', id: 1, method: method.name, params };
      const response = await call(url, method.name, params);
      response.id = 1;
      out.push(
        '```json',
        `${JSON.stringify(request)}`,
        JSON.stringify(response, null, 1).slice(0, 6000),
        '```',
        '',
      );
    }
    const extra = EXTRAS[method.name];
    if (extra !== undefined) out.push(extra, '');
  }
  await server.stop();
  return out.join('\n').trim();
}
