/**
 * Paged unspent outputs of a scripthash, beyond Esplora (issue 20): `?limit=N&after=CURSOR` on
 * /address/:address/utxo and /scripthash/:hash/utxo, and POST /addresses/utxo.
 *
 * A page is the confirmed outputs in the address index's order (txid bytes, then vout), less
 * those the mempool spends, then the mempool's unconfirmed outputs to the script in the same
 * order. Each confirmed page is one bounded range read of the index after the cursor's key
 * (chain.getAddressUtxos), so it costs O(limit) and an address with more outputs than the
 * unpaged route's cap (MAX_UTXOS) can be paged through entirely. The cursor is a key, not an
 * offset: outputs spent between pages drop out without shifting the others, and new ones
 * appear only after the cursor if their key sorts after it.
 *
 * The cursor is opaque to clients: base64url of a phase byte (1: confirmed after an outpoint,
 * 2: mempool after an outpoint, 3: mempool from its start), the outpoint (txid 32 bytes in
 * internal order, vout u32 big-endian) and 4 check bytes, the start of SHA-256 over the
 * scripthash and the rest. A cursor that does not decode, has the wrong length or phase, or
 * belongs to another script is a 400 (BAD_CURSOR).
 */

import type { ExplorerNode } from '../node/api.js';
import { concat, equal } from '../node/protocol/bytes.js';
import { hashToDisplay, sha256 } from '../node/protocol/hash.js';
import { type Txid, txidOf } from '../node/protocol/ids.js';
import { OutPoint } from '../node/protocol/tx.js';
import { ApiError } from './errors.js';
import type { MempoolIndex } from './mempool-index.js';
import { statusOf, type TxStatus, UNCONFIRMED } from './views.js';

export const MAX_UTXO_PAGE = 1000;
export const DEFAULT_UTXO_PAGE = 100;

export interface UtxoJson {
  txid: string;
  vout: number;
  status: TxStatus;
  value: number;
}

export interface UtxoPage {
  utxos: UtxoJson[];
  /** The cursor of the next page, or null after the last one. */
  next: string | null;
}

type Phase = 1 | 2 | 3;
interface Cursor {
  phase: Phase;
  after?: { txid: Txid; vout: number };
}

const CHECK = 4;

function check(sh: Uint8Array, payload: Uint8Array): Uint8Array {
  return sha256(concat(sh, payload)).subarray(0, CHECK);
}

export function encodeCursor(sh: Uint8Array, c: Cursor): string {
  const payload = new Uint8Array(c.after ? 37 : 1);
  payload[0] = c.phase;
  if (c.after) {
    payload.set(c.after.txid, 1);
    new DataView(payload.buffer).setUint32(33, c.after.vout, false);
  }
  return Buffer.from(concat(payload, check(sh, payload))).toString('base64url');
}

export function decodeCursor(sh: Uint8Array, s: string): Cursor {
  const bad = () => new ApiError('BAD_CURSOR', 'invalid cursor: pass back the one a page returned');
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(s)) throw bad();
  const b = new Uint8Array(Buffer.from(s, 'base64url'));
  if (b.length < 1 + CHECK) throw bad();
  const payload = b.subarray(0, b.length - CHECK);
  if (!equal(check(sh, payload), b.subarray(b.length - CHECK))) throw bad();
  const phase = payload[0];
  if (phase === 3 && payload.length === 1) return { phase };
  if ((phase === 1 || phase === 2) && payload.length === 37) {
    const vout = new DataView(payload.buffer, payload.byteOffset).getUint32(33, false);
    return { phase, after: { txid: txidOf(payload.slice(1, 33)), vout } };
  }
  throw bad();
}

/** `limit` from a query string or body: an integer 1..MAX_UTXO_PAGE, else a 400. */
export function parseLimit(v: unknown, max: number): number {
  const n = typeof v === 'string' && /^[0-9]{1,10}$/.test(v) ? Number(v) : v;
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1 || n > max)
    throw new ApiError('BAD_REQUEST', `limit must be an integer from 1 to ${max}`);
  return n;
}

function compareOutpoints(a: { txid: Uint8Array; vout: number }, b: { txid: Uint8Array; vout: number }) {
  return Buffer.compare(a.txid, b.txid) || a.vout - b.vout;
}

/** One page of a scripthash's unspent outputs after `cursor` (see the file's comment). */
export async function utxoPage(
  node: ExplorerNode,
  pool: MempoolIndex,
  sh: Uint8Array,
  limit: number,
  cursorText?: string,
): Promise<UtxoPage> {
  const { chain, mempool } = node;
  const cursor: Cursor = cursorText === undefined ? { phase: 1 } : decodeCursor(sh, cursorText);
  await pool.settle();
  const utxos: UtxoJson[] = [];
  if (cursor.phase === 1) {
    let after = cursor.after;
    for (;;) {
      const want = limit - utxos.length;
      // One more than needed says whether the confirmed outputs go on past this page.
      const rows = await chain.getAddressUtxos(sh, want + 1, after);
      for (const r of rows.slice(0, want)) {
        after = { txid: r.txid, vout: r.vout };
        if (mempool.spender(new OutPoint(r.txid, r.vout))) continue;
        utxos.push({
          txid: hashToDisplay(r.txid),
          vout: r.vout,
          status: statusOf(chain.entryAt(r.height)),
          value: Number(r.value),
        });
      }
      if (rows.length <= want) break;
      if (utxos.length === limit) return { utxos, next: encodeCursor(sh, { phase: 1, after }) };
    }
  }
  // The mempool's outputs to the script, unspent in the mempool, in key order.
  const unconfirmed: { txid: Txid; vout: number; value: bigint }[] = [];
  for (const txidHex of pool.txidsFor(sh)) {
    const x = pool.get(txidHex);
    if (!x) continue;
    const txid = x.entry.tx.txid();
    x.entry.tx.outputs.forEach((o, vout) => {
      if (equal(sha256(o.script), sh) && !mempool.spender(new OutPoint(txid, vout)))
        unconfirmed.push({ txid, vout, value: o.value });
    });
  }
  unconfirmed.sort(compareOutpoints);
  const from = cursor.phase === 2 && cursor.after ? cursor.after : undefined;
  const rest = from ? unconfirmed.filter((u) => compareOutpoints(u, from) > 0) : unconfirmed;
  const room = limit - utxos.length;
  const taken = rest.slice(0, room);
  for (const u of taken)
    utxos.push({ txid: hashToDisplay(u.txid), vout: u.vout, status: UNCONFIRMED, value: Number(u.value) });
  if (rest.length <= room) return { utxos, next: null };
  const last = taken.at(-1);
  return { utxos, next: encodeCursor(sh, last ? { phase: 2, after: last } : { phase: 3 }) };
}
