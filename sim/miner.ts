/**
 * A simulated miner's block: the node's own template (its tip, its mempool by ancestor fee
 * rate, BIP34 coinbase and witness commitment: mining/template.ts), stamped with the virtual
 * time and ground in-process. On regtest's 0x207fffff target a nonce takes two tries on
 * average, so the hash power race itself is modelled by the scenario's Poisson clock, not paid.
 */
import type { FullNode } from '../node/node.js';
import { Block } from '../node/protocol/block.js';
import { BlockHeader } from '../node/protocol/header.js';
import { checkProofOfWork } from '../node/protocol/pow.js';

export function mineOn(node: FullNode, payTo: Uint8Array, nowMs: number): Block {
  const { block } = node.template(payTo);
  const h = block.header;
  const time = Math.max(node.chain.tip.medianTimePast() + 1, Math.floor(nowMs / 1000));
  for (let nonce = 0; ; nonce++) {
    const header = new BlockHeader({ ...fields(h), time, nonce });
    if (checkProofOfWork(header.hash(), header.bits, node.params.powLimit))
      return new Block(header, block.txs);
  }
}

function fields(h: BlockHeader) {
  return { version: h.version, prevBlock: h.prevBlock, merkleRoot: h.merkleRoot, bits: h.bits };
}
