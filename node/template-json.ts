/**
 * A block template as Core's getblocktemplate answers it in template mode (BIP22, with BIP23's
 * mutable/noncerange fields and BIP145's segwit rule, weights and default_witness_commitment;
 * rpc/mining.cpp): what RPC `getblocktemplate` returns and what `GET /api/block-template`
 * serves (Esplora's API.md: "the daemon's getblocktemplate template-mode response").
 */
import type { BlockEntry } from './chain/entry.js';
import type { BlockTemplate } from './mining/template.js';
import { toHex } from './protocol/bytes.js';
import type { NetworkParams } from './protocol/params.js';
import { decodeCompact } from './protocol/pow.js';

/** The coinbase output committing to the witness merkle root (BIP141): OP_RETURN 0x24 aa21a9ed. */
const WITNESS_COMMITMENT_PREFIX = '6a24aa21a9ed';
/** Any script will do to build a template: the miner writes its own coinbase. */
export const PLACEHOLDER_SCRIPT = Uint8Array.of(0x51);

export function templateJson(
  t: BlockTemplate,
  ctx: {
    chain: { readonly tip: BlockEntry; readonly height: number };
    mempool: { info(): { count: number } };
    params: NetworkParams;
  },
): Record<string, unknown> {
  const { chain, mempool, params } = ctx;
  const index = new Map(t.selected.map((c, i) => [c.tx.txidHex(), i + 1]));
  const header = t.block.header;
  const commitment = t.block.txs[0]!.outputs.map((o) => toHex(o.script)).find((h) =>
    h.startsWith(WITNESS_COMMITMENT_PREFIX),
  );
  const target = decodeCompact(header.bits).target.toString(16).padStart(64, '0');
  return {
    capabilities: ['proposal'],
    version: header.version,
    rules: ['csv', '!segwit'],
    vbavailable: {},
    vbrequired: 0,
    previousblockhash: chain.tip.hashHex,
    transactions: t.selected.map((c) => ({
      data: toHex(c.tx.toBytes()),
      txid: c.tx.txidHex(),
      hash: c.tx.wtxidHex(),
      depends: c.parents.map((p) => index.get(p)).filter((i) => i !== undefined),
      fee: Number(c.fee),
      sigops: c.sigopCost,
      weight: c.weight,
    })),
    coinbaseaux: {},
    coinbasevalue: Number(t.reward),
    longpollid: `${chain.tip.hashHex}${mempool.info().count}`,
    target,
    mintime: chain.tip.medianTimePast() + 1,
    mutable: ['time', 'transactions', 'prevblock'],
    noncerange: '00000000ffffffff',
    sigoplimit: params.maxBlockSigopsCost,
    sizelimit: params.maxBlockWeight,
    weightlimit: params.maxBlockWeight,
    curtime: header.time,
    bits: header.bits.toString(16).padStart(8, '0'),
    height: chain.height + 1,
    ...(commitment ? { default_witness_commitment: commitment } : {}),
  };
}
