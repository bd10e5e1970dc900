/**
 * BIP37's merkle block: a block header and a partial merkle tree proving some of its txids,
 * serialized as Bitcoin Core's CMerkleBlock (merkleblock.cpp): header (80 bytes), the block's
 * tx count (u32), the hashes (varint count, 32 bytes each, internal byte order) and the
 * flag bits (varint byte count, bits packed least significant first). It is what Core's
 * `gettxoutproof` returns and electrs' `GET /tx/:txid/merkleblock-proof` answers as hex.
 *
 * Building walks the tree depth first as CPartialMerkleTree::TraverseAndBuild; reading
 * (`readMerkleBlock`) as TraverseAndExtractMatches, checking every hash and bit is used, so
 * a proof can be verified against the header's merkle root.
 */
import { equal } from './bytes.js';
import { hash256 } from './hash.js';
import { BlockHeader } from './header.js';
import { Reader } from './reader.js';
import { Writer } from './writer.js';

/** Width of the tree at `height` (0 = leaves) over `n` leaves. */
function width(n: number, height: number): number {
  return (n + (1 << height) - 1) >> height;
}

function treeHeight(n: number): number {
  let h = 0;
  while (width(n, h) > 1) h++;
  return h;
}

function pair(a: Uint8Array, b: Uint8Array): Uint8Array {
  const buf = new Uint8Array(64);
  buf.set(a, 0);
  buf.set(b, 32);
  return hash256(buf);
}

/** CalcHash: the node at (height, pos), duplicating the last hash of an odd level. */
function calcHash(txids: readonly Uint8Array[], height: number, pos: number): Uint8Array {
  if (height === 0) return txids[pos]!;
  const left = calcHash(txids, height - 1, pos * 2);
  const right =
    pos * 2 + 1 < width(txids.length, height - 1) ? calcHash(txids, height - 1, pos * 2 + 1) : left;
  return pair(left, right);
}

/** The CMerkleBlock bytes proving the txids at `matches` (indexes) of a block's `txids`. */
export function buildMerkleBlock(
  header: BlockHeader,
  txids: readonly Uint8Array[],
  matches: ReadonlySet<number>,
): Uint8Array {
  const n = txids.length;
  const bits: boolean[] = [];
  const hashes: Uint8Array[] = [];
  const build = (height: number, pos: number): void => {
    // Does this node have a matched leaf below it?
    let parentOfMatch = false;
    for (let p = pos << height; p < (pos + 1) << height && p < n; p++)
      if (matches.has(p)) parentOfMatch = true;
    bits.push(parentOfMatch);
    if (height === 0 || !parentOfMatch) {
      hashes.push(calcHash(txids, height, pos));
      return;
    }
    build(height - 1, pos * 2);
    if (pos * 2 + 1 < width(n, height - 1)) build(height - 1, pos * 2 + 1);
  };
  build(treeHeight(n), 0);

  const flags = new Uint8Array((bits.length + 7) >> 3);
  bits.forEach((b, i) => {
    if (b) flags[i >> 3]! |= 1 << (i & 7);
  });
  const w = new Writer(80 + 4 + 9 + hashes.length * 32 + 9 + flags.length);
  header.write(w);
  w.u32(n);
  w.varint(hashes.length);
  for (const h of hashes) w.bytes(h);
  w.varBytes(flags);
  return w.finish();
}

export interface MerkleBlockProof {
  readonly header: BlockHeader;
  /** Matched txids (internal byte order) and their positions in the block. */
  readonly matches: readonly { txid: Uint8Array; index: number }[];
  /** True when the tree's root equals the header's merkle root. */
  readonly rootMatches: boolean;
}

/** Core's MAX_BLOCK_WEIGHT / MIN_TRANSACTION_WEIGHT: more txs than a block can hold is bad. */
const MAX_TXS = 4_000_000 / 240;

/** Parses and checks a CMerkleBlock; throws on malformed bytes or a tree that does not add up. */
export function readMerkleBlock(bytes: Uint8Array): MerkleBlockProof {
  const r = new Reader(bytes);
  const header = BlockHeader.read(r);
  const n = r.u32();
  if (n === 0 || n > MAX_TXS) throw new Error(`merkle block: bad tx count ${n}`);
  const count = r.count(n, 32);
  const hashes: Uint8Array[] = [];
  for (let i = 0; i < count; i++) hashes.push(r.hash());
  const flags = r.varBytes(Math.ceil((2 * n) / 8) + 1);
  r.end();
  let bitIx = 0;
  let hashIx = 0;
  const matches: { txid: Uint8Array; index: number }[] = [];
  const extract = (height: number, pos: number): Uint8Array => {
    if (bitIx >= flags.length * 8) throw new Error('merkle block: ran out of flag bits');
    const bit = ((flags[bitIx >> 3]! >> (bitIx & 7)) & 1) === 1;
    bitIx++;
    if (height === 0 || !bit) {
      const h = hashes[hashIx++];
      if (!h) throw new Error('merkle block: ran out of hashes');
      if (height === 0 && bit) matches.push({ txid: h, index: pos });
      return h;
    }
    const left = extract(height - 1, pos * 2);
    if (pos * 2 + 1 < width(n, height - 1)) {
      const right = extract(height - 1, pos * 2 + 1);
      if (equal(left, right)) throw new Error('merkle block: identical siblings (CVE-2012-2459)');
      return pair(left, right);
    }
    return pair(left, left);
  };
  const root = extract(treeHeight(n), 0);
  if (hashIx !== hashes.length) throw new Error('merkle block: unused hashes');
  if ((bitIx + 7) >> 3 !== flags.length) throw new Error('merkle block: unused flag bytes');
  return { header, matches, rootMatches: equal(root, header.merkleRoot) };
}
