/**
 * Genesis blocks, built as Bitcoin Core's CreateGenesisBlock (src/kernel/chainparams.cpp) does:
 * one coinbase, version 1, spending the null outpoint with scriptSig
 * `<tag as CScriptNum> <CScriptNum(4)> <message>` (Core's tag is 486604799 = 0x1d00ffff, Bitcoin's
 * genesis bits), one output, locktime 0; the header has a zero previous hash and the Merkle root
 * of that one transaction.
 *
 * - regtest: Bitcoin's regtest genesis (time 1296688602, nonce 2, bits 0x207fffff), hash
 *   0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206.
 * - main: our own. Tag = our genesis bits 0x1f00ffff, our message, an OP_RETURN output (the
 *   genesis coinbase never enters the UTXO set anyway, as in Core), a fixed time, and the nonce
 *   found by `scripts/mine-genesis.ts` (the first nonce from 0 up whose hash meets the target).
 */
import { Block } from './block.js';
import { fromHex, toHex, utf8 } from './bytes.js';
import { BlockHeader } from './header.js';
import { merkleRoot } from './merkle.js';
import { pushBytes } from './script/script.js';
import { nullData, p2pk } from './script/templates.js';
import { OutPoint, Tx, TxIn, TxOut } from './tx.js';

export interface GenesisSpec {
  /** The number pushed first in the coinbase scriptSig. */
  readonly tag: number;
  /** The text pushed last in the coinbase scriptSig. */
  readonly message: string;
  /** The coinbase's one output script, hex. */
  readonly outputScriptHex: string;
  readonly reward: bigint;
  readonly version: number;
  readonly time: number;
  readonly bits: number;
  readonly nonce: number;
}

/** CScriptNum serialization (little-endian, sign bit in the top byte) of a non-negative number. */
function scriptNum(n: number): Uint8Array {
  const out: number[] = [];
  while (n > 0) {
    out.push(n & 0xff);
    n = Math.floor(n / 256);
  }
  if (out.length > 0 && out[out.length - 1]! & 0x80) out.push(0);
  return Uint8Array.from(out);
}

/** `CScript() << tag << CScriptNum(4) << message`, byte for byte as Core builds it. */
export function genesisCoinbaseScript(tag: number, message: string): Uint8Array {
  const parts = [pushBytes(scriptNum(tag)), pushBytes(scriptNum(4)), pushBytes(utf8(message))];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

export function genesisCoinbase(spec: GenesisSpec): Tx {
  return new Tx({
    version: 1,
    inputs: [new TxIn(OutPoint.null(), genesisCoinbaseScript(spec.tag, spec.message), 0xffffffff)],
    outputs: [new TxOut(spec.reward, fromHex(spec.outputScriptHex))],
    locktime: 0,
  });
}

export function createGenesisBlock(spec: GenesisSpec): Block {
  const coinbase = genesisCoinbase(spec);
  const header = new BlockHeader({
    version: spec.version,
    prevBlock: new Uint8Array(32),
    merkleRoot: merkleRoot([coinbase.txid()]).root,
    time: spec.time,
    bits: spec.bits,
    nonce: spec.nonce,
  });
  return new Block(header, [coinbase]);
}

const COIN = 100_000_000n;

// ---------------------------------------------------------------------------------------------
// regtest: Bitcoin's

export const BITCOIN_GENESIS_MESSAGE =
  'The Times 03/Jan/2009 Chancellor on brink of second bailout for banks';
/** The public key Bitcoin's genesis output pays to. */
export const SATOSHI_GENESIS_PUBKEY =
  '04678afdb0fe5548271967f1a67130b7105cd6a828e03909a67962e0ea1f61deb649f6bc3f4cef38c4f35504e51ec112de5c384df7ba0b8d578a4c702b6bf11d5f';

export const REGTEST_GENESIS_SPEC: GenesisSpec = Object.freeze({
  tag: 486604799,
  message: BITCOIN_GENESIS_MESSAGE,
  outputScriptHex: p2pkHex(SATOSHI_GENESIS_PUBKEY),
  reward: 50n * COIN,
  version: 1,
  time: 1296688602,
  bits: 0x207fffff,
  nonce: 2,
});

/** Display (byte-reversed) hex, as Core's chainparams asserts it. */
export const REGTEST_GENESIS_HASH = '0f9188f13cb7b2c71f2a335e3a4fc328bf5beb436012afca590b1a11466e2206';
export const BITCOIN_GENESIS_MERKLE_ROOT = '4a5e1e4baab89f3a32518a88c31bc87f618f76673e2cc77ab2127b7afdeda33b';

function p2pkHex(pubkeyHex: string): string {
  return toHex(p2pk(fromHex(pubkeyHex)));
}

// ---------------------------------------------------------------------------------------------
// main: ours

export const MAIN_GENESIS_MESSAGE =
  'gossip-ledger genesis 2026-11-21: what was shared, and when, kept by all';

export const MAIN_GENESIS_SPEC: GenesisSpec = Object.freeze({
  tag: 0x1f00ffff,
  message: MAIN_GENESIS_MESSAGE,
  outputScriptHex: toHex(nullData(utf8('gossip-ledger'))),
  reward: 50n * COIN,
  version: 1,
  /** 2026-11-21T00:00:00Z */
  time: 1795219200,
  bits: 0x1f00ffff,
  /** Found by scripts/mine-genesis.ts (the first nonce from 0 that meets the target). */
  nonce: 41986,
});

/** Display hex of main's genesis hash, as printed by scripts/mine-genesis.ts. */
export const MAIN_GENESIS_HASH = '0000b9e2ed8aaf631516a45a47cb62d98e6ff512ee2afb09c9f5b3a236a50911';
export const MAIN_GENESIS_MERKLE_ROOT = '57d53bf1b1be83e96f856872b2c8bd8a4e177b5a96af5e2e6395df93b045695c';

export function regtestGenesis(): Block {
  return createGenesisBlock(REGTEST_GENESIS_SPEC);
}

export function mainGenesis(): Block {
  return createGenesisBlock(MAIN_GENESIS_SPEC);
}
