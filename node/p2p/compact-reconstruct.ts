/**
 * Rebuilding a block from a BIP152 `cmpctblock`: Core's PartiallyDownloadedBlock
 * (blockencodings.cpp), InitData then FillBlock, pure (the caller passes the mempool's and the
 * extra pool's transactions).
 *
 * - InitData's statuses: `invalid` (the peer's fault: no transactions, more than a block can
 *   hold, a prefilled index past the end) costs it 100 (misbehaviour.ts); `failed` (two short
 *   ids alike in the message: the peer may be honest and unlucky) means fetching the full
 *   block instead.
 * - Matching: each candidate's wtxid is hashed to a short id; a slot two different candidates
 *   match is left empty, to be requested (Core: "If we find two mempool txn that match the
 *   short id, just request it").
 * - FillBlock: the missing transactions must be exactly as many as requested (`invalid`
 *   otherwise); a block whose merkle root does not match is `failed` (a short-id collision
 *   filled a slot with the wrong transaction), and Core then fetches the full block.
 */
import { Block } from '../protocol/block.js';
import { equal } from '../protocol/bytes.js';
import { type CompactBlock, shortId, shortIdKey } from '../protocol/compact-block.js';
import type { Tx } from '../protocol/tx.js';

/** Core's MAX_BLOCK_WEIGHT / MIN_SERIALIZABLE_TRANSACTION_WEIGHT. */
const MAX_BLOCK_TXS = 4_000_000 / 40;

export type ReadStatus = 'invalid' | 'failed';

export interface ReadFailure {
  status: ReadStatus;
  reason: string;
}

export class PartialBlock {
  readonly compact: CompactBlock;
  private readonly slots: (Tx | null)[];
  /** From the mempool or the extra pool, not prefilled. */
  readonly fromPool: number;

  private constructor(compact: CompactBlock, slots: (Tx | null)[], fromPool: number) {
    this.compact = compact;
    this.slots = slots;
    this.fromPool = fromPool;
  }

  /** InitData: prefilled txs in place, then every short id the candidates match once. */
  static init(cb: CompactBlock, candidates: Iterable<Tx>): PartialBlock | ReadFailure {
    const total = cb.shortIds.length + cb.prefilled.length;
    if (total === 0) return { status: 'invalid', reason: 'no transactions' };
    if (total > MAX_BLOCK_TXS) return { status: 'invalid', reason: `${total} transactions` };
    const slots: (Tx | null)[] = new Array(total).fill(null);
    for (let i = 0; i < cb.prefilled.length; i++) {
      const p = cb.prefilled[i]!;
      // Past every short id and prefilled tx so far: a slot nothing can fill (Core's check).
      if (p.index > cb.shortIds.length + i)
        return { status: 'invalid', reason: `prefilled index ${p.index}` };
      slots[p.index] = p.tx;
    }
    const bySid = new Map<number, number>();
    let offset = 0;
    for (let i = 0; i < cb.shortIds.length; i++) {
      while (slots[i + offset]) offset++;
      bySid.set(cb.shortIds[i]!, i + offset);
    }
    if (bySid.size !== cb.shortIds.length) return { status: 'failed', reason: 'duplicate short ids' };
    const key = shortIdKey(cb.header, cb.nonce);
    const have = new Uint8Array(total);
    let found = 0;
    for (const tx of candidates) {
      const slot = bySid.get(shortId(key, tx.wtxid()));
      if (slot === undefined) continue;
      if (!have[slot]) {
        have[slot] = 1;
        slots[slot] = tx;
        found++;
      } else if (slots[slot] && !equal(slots[slot].wtxid(), tx.wtxid())) {
        slots[slot] = null;
        found--;
      }
    }
    return new PartialBlock(cb, slots, found);
  }

  /** Absolute indexes still missing, ascending (a getblocktxn's). */
  missing(): number[] {
    const out: number[] = [];
    for (let i = 0; i < this.slots.length; i++) if (!this.slots[i]) out.push(i);
    return out;
  }

  /** FillBlock with the transactions of a blocktxn (none when nothing is missing). */
  fill(txs: readonly Tx[]): Block | ReadFailure {
    const all: Tx[] = new Array(this.slots.length);
    let k = 0;
    for (let i = 0; i < this.slots.length; i++) {
      const s = this.slots[i];
      if (s) all[i] = s;
      else {
        const t = txs[k++];
        if (!t)
          return {
            status: 'invalid',
            reason: `${txs.length} transactions for ${this.missing().length} missing`,
          };
        all[i] = t;
      }
    }
    if (k !== txs.length) return { status: 'invalid', reason: `${txs.length} transactions for ${k} missing` };
    const block = new Block(this.compact.header, all);
    const { root, mutated } = block.merkleRoot();
    if (mutated || !equal(root, this.compact.header.merkleRoot))
      return { status: 'failed', reason: 'merkle root mismatch (short id collision?)' };
    return block;
  }
}

export function isFailure(x: unknown): x is ReadFailure {
  return typeof x === 'object' && x !== null && 'status' in x && 'reason' in x;
}
