import { RPC_API_VERSION, SUBSCRIPTION_NOTIFICATION_METHOD, WEBSOCKET_PATHS } from './constants.ts';
import type { RpcMethod } from './defineMethod.ts';
import { APPLICATION_ERRORS, PROTOCOL_ERRORS, type RpcErrorDefinition } from './errors.ts';
import type { JsonSchema } from './schema.ts';

/**
 * Builds the OpenRPC 1.3 document of a method registry: names, params with their JSON Schemas,
 * results, and the errors each method can return. Served by `rpc.discover` and written to
 * docs/openrpc.json by `pnpm --filter @synod/node openrpc`.
 */

export interface OpenRpcDocument {
  openrpc: string;
  info: { title: string; version: string; description: string };
  methods: OpenRpcMethod[];
  components: { schemas: Record<string, JsonSchema>; errors: Record<string, OpenRpcError> };
}

interface OpenRpcError {
  code: number;
  message: string;
  data: JsonSchema;
}

interface OpenRpcMethod {
  name: string;
  summary: string;
  description: string;
  paramStructure: 'either';
  params: { name: string; required: boolean; schema: JsonSchema }[];
  result: { name: string; schema: JsonSchema };
  errors: { $ref: string }[];
}

const DESCRIPTION = [
  'JSON-RPC 2.0 API of a Synod sequencer node.',
  `Transports: HTTP POST (Content-Type: application/json) and WebSocket (upgrade on ${WEBSOCKET_PATHS.map((p) => `"${p}"`).join(' or ')}), on one port; subscriptions need the WebSocket.`,
  'Browsers: HTTP answers carry CORS headers only for the origins the operator lists in rpc.corsOrigins (none by default); WebSocket is not subject to CORS.',
  `Notifications: {"jsonrpc":"2.0","method":"${SUBSCRIPTION_NOTIFICATION_METHOD}","params":{"subscription":<id>,"result":<value>}}.`,
  'Params are accepted by position or by name; extra, missing or mistyped params are -32602 with data.param naming the param; an optional param may be null.',
  'Encoding: bytes, hashes and addresses are lowercase 0x-hex; heights, rounds, indices, counts and unix-ms timestamps are JSON numbers (always < 2^53); nonces, validUntil and price answers are decimal strings.',
  'Errors: every error has data.code, a stable symbolic name (PARSE_ERROR, INVALID_PARAMS, NONCE_USED, …). Application errors use -32004 … -32099; see components.errors.',
  'Limits: body size (HTTP 413), batch size, calls per second per client IP (a batch counts each call; -32005, HTTP 429), subscriptions per WebSocket, WebSocket message size, connections, and a per-call timeout.',
].join(' ');

function errorComponent(name: string, definition: RpcErrorDefinition): OpenRpcError {
  return {
    code: definition.code,
    message: definition.message,
    data: {
      type: 'object',
      description: definition.description,
      properties: { code: { const: name } },
      required: ['code'],
    },
  };
}

export function buildOpenRpcDocument(
  methods: Readonly<Record<string, RpcMethod>>,
  schemas: Readonly<Record<string, JsonSchema>>,
): OpenRpcDocument {
  const errors: Record<string, OpenRpcError> = {};
  for (const [name, definition] of Object.entries({ ...PROTOCOL_ERRORS, ...APPLICATION_ERRORS })) {
    errors[name] = errorComponent(name, definition);
  }
  const commonErrors = ['INVALID_PARAMS', 'INTERNAL_ERROR', 'RATE_LIMITED', 'TIMEOUT'];
  return {
    openrpc: '1.3.2',
    info: { title: 'Synod node JSON-RPC', version: RPC_API_VERSION, description: DESCRIPTION },
    methods: Object.entries(methods).map(([name, method]) => ({
      name,
      summary: method.summary,
      description: method.description,
      paramStructure: 'either',
      params: method.params.map((param) => ({
        name: param.name,
        required: param.required,
        schema: param.schema.json,
      })),
      result: { name: method.result.name, schema: method.result.schema },
      errors: [...new Set([...commonErrors, ...method.errors])].map((name) => ({
        $ref: `#/components/errors/${name}`,
      })),
    })),
    components: { schemas: { ...schemas }, errors },
  };
}
