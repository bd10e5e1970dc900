/**
 * JSON schemas of the API: path parameters (validated by fastify, 400 on mismatch) and the
 * responses (serialized by fast-json-stringify in Esplora's field order; also the OpenAPI
 * document). Property order follows electrs' structs so output matches Esplora byte for byte.
 */

const str = { type: 'string' } as const;
const int = { type: 'integer' } as const;
const num = { type: 'number' } as const;
const bool = { type: 'boolean' } as const;

export const HEX64 = '^[0-9a-fA-F]{64}$';

export const hashParam = (name: string, description: string) => ({
  type: 'object',
  required: [name],
  properties: { [name]: { type: 'string', pattern: HEX64, description } },
});

/** Decimal digits only (parsed by the handler, which also bounds the value). */
export const DIGITS = '^[0-9]{1,10}$';

export const errorSchema = {
  type: 'object',
  properties: { error: str, code: str },
  required: ['error'],
} as const;

export const textResponse = { type: 'string' } as const;

export const statusSchema = {
  type: 'object',
  properties: { confirmed: bool, block_height: int, block_hash: str, block_time: int },
  required: ['confirmed'],
} as const;

export const blockSchema = {
  type: 'object',
  properties: {
    id: str,
    height: int,
    version: int,
    timestamp: int,
    tx_count: int,
    size: int,
    weight: int,
    merkle_root: str,
    previousblockhash: { type: ['string', 'null'] },
    mediantime: int,
    nonce: int,
    bits: int,
    difficulty: num,
  },
} as const;

export const blockStatusSchema = {
  type: 'object',
  properties: {
    in_best_chain: bool,
    height: { type: ['integer', 'null'] },
    next_best: { type: ['string', 'null'] },
  },
} as const;

export const voutSchema = {
  type: 'object',
  properties: {
    scriptpubkey: str,
    scriptpubkey_asm: str,
    scriptpubkey_type: str,
    scriptpubkey_address: str,
    value: int,
  },
} as const;

export const vinSchema = {
  type: 'object',
  properties: {
    txid: str,
    vout: int,
    prevout: { anyOf: [voutSchema, { type: 'null' }] },
    scriptsig: str,
    scriptsig_asm: str,
    witness: { type: 'array', items: str },
    is_coinbase: bool,
    sequence: int,
    inner_redeemscript_asm: str,
    inner_witnessscript_asm: str,
  },
} as const;

export const txSchema = {
  type: 'object',
  properties: {
    txid: str,
    version: int,
    locktime: int,
    vin: { type: 'array', items: vinSchema },
    vout: { type: 'array', items: voutSchema },
    size: int,
    weight: int,
    fee: int,
    status: statusSchema,
  },
} as const;

export const txListSchema = { type: 'array', items: txSchema } as const;
export const stringListSchema = { type: 'array', items: str } as const;

export const outspendSchema = {
  type: 'object',
  properties: { spent: bool, txid: str, vin: int, status: statusSchema },
} as const;

export const merkleProofSchema = {
  type: 'object',
  properties: { block_height: int, merkle: stringListSchema, pos: int },
} as const;

const statsSchema = {
  type: 'object',
  properties: {
    funded_txo_count: int,
    funded_txo_sum: int,
    spent_txo_count: int,
    spent_txo_sum: int,
    tx_count: int,
  },
} as const;

export const addressSchema = (key: 'address' | 'scripthash') =>
  ({
    type: 'object',
    properties: { [key]: str, chain_stats: statsSchema, mempool_stats: statsSchema },
  }) as const;

export const utxoSchema = {
  type: 'array',
  items: {
    type: 'object',
    properties: { txid: str, vout: int, status: statusSchema, value: int },
  },
} as const;

export const txsLimitQuery = {
  type: 'object',
  properties: {
    limit: { type: 'integer', minimum: 1, maximum: 100, description: 'txs per page (default 25)' },
  },
} as const;

export const utxoPageQuery = {
  type: 'object',
  properties: {
    limit: {
      type: 'integer',
      minimum: 1,
      maximum: 1000,
      description:
        'page size (default 100 when only `after` is given); without limit and after, every UTXO as Esplora',
    },
    after: {
      type: 'string',
      maxLength: 100,
      description: 'opaque cursor from the previous page (its X-Next-Cursor header or `next` field)',
    },
  },
} as const;

/** POST /addresses/utxo: per address, one page of UTXOs and the next page's cursor. */
export const utxoBatchSchema = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      address: str,
      utxos: utxoSchema,
      next: { type: ['string', 'null'], description: 'cursor of the next page, null after the last' },
    },
  },
} as const;

export const mempoolSchema = {
  type: 'object',
  properties: {
    count: int,
    vsize: int,
    total_fee: int,
    fee_histogram: { type: 'array', items: { type: 'array', items: num } },
  },
} as const;

export const recentSchema = {
  type: 'array',
  items: { type: 'object', properties: { txid: str, fee: int, vsize: int, value: int } },
} as const;

export const feeEstimatesSchema = {
  type: 'object',
  additionalProperties: num,
  description: 'confirmation target (blocks) -> fee rate (sat/vB)',
} as const;

export const chainSchema = {
  type: 'object',
  properties: {
    network: str,
    height: int,
    tip_hash: str,
    chainwork: str,
    difficulty: num,
    mediantime: int,
    mempool: { type: 'object', properties: { count: int, bytes: int, vsize: int } },
    peers: int,
    sync: {
      type: 'object',
      properties: {
        best_known_height: int,
        progress: num,
        synced: bool,
        state: { type: 'string', enum: ['waiting for peers', 'syncing', 'synced'] },
        initial_block_download: bool,
      },
    },
  },
} as const;

export const replacementSchema = {
  type: 'object',
  properties: {
    txid: str,
    replaced_by: { ...str, description: 'the transaction whose acceptance evicted it' },
    latest: { ...str, description: 'the newest transaction of its chain of replacements' },
    time: { ...int, description: 'when it was replaced (Unix seconds)' },
  },
  required: ['txid', 'replaced_by', 'latest', 'time'],
} as const;

export const peersSchema = {
  type: 'array',
  items: {
    type: 'object',
    properties: {
      id: int,
      addr: str,
      host: str,
      port: int,
      nodeId: str,
      direction: str,
      services: str,
      version: int,
      userAgent: str,
      startHeight: int,
      syncedHeight: int,
      pingMs: { type: ['number', 'null'] },
      connectedAt: int,
      bytesSent: int,
      bytesReceived: int,
      bytesSentPerMsg: { type: 'object', additionalProperties: int },
      bytesReceivedPerMsg: { type: 'object', additionalProperties: int },
      banScore: int,
    },
  },
} as const;

/** Response schemas for a JSON route: the body plus the error shapes. */
/** Core's submitpackage result (POST /txs/package); amounts in coins, fee rates in coin/kvB. */
export const submitPackageSchema = {
  type: 'object',
  properties: {
    package_msg: { type: 'string', description: '"success", "transaction failed" or a package-wide reason' },
    'tx-results': {
      type: 'object',
      description: 'by wtxid',
      additionalProperties: {
        type: 'object',
        properties: {
          txid: str,
          'other-wtxid': str,
          vsize: { type: 'integer' },
          fees: {
            type: 'object',
            properties: {
              base: { type: 'number' },
              'effective-feerate': { type: 'number' },
              'effective-includes': { type: 'array', items: str },
            },
          },
          error: str,
        },
      },
    },
    'replaced-transactions': { type: 'array', items: str },
  },
} as const;

export function jsonResponses(ok: object): Record<number, object> {
  return { 200: ok, 400: errorSchema, 404: errorSchema };
}

export function textResponses(description: string): Record<number, object> {
  return { 200: { ...textResponse, description }, 400: errorSchema, 404: errorSchema };
}
