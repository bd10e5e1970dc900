/**
 * Network parameters as data (btcd chaincfg, Core's CChainParams): passed to whoever needs them,
 * never read from a global. DESIGN.md section 4 is the table these values come from.
 *
 * - `main`: our chain. Magic c7 0f 5e 1d, ports 8633/8634, bech32 HRP `gl`, base58 versions 38
 *   (P2PKH, addresses start with `G`) and 85 (P2SH, `b`), WIF version 0xa6 = 128 + 38 (keys
 *   start with `6`, or `R` when compressed): the relation Bitcoin keeps on mainnet
 *   (0x80 = 128 + 0) and testnet/regtest (0xef = 128 + 111).
 *   60-second blocks, ASERT (aserti3-2d) with a one-hour half-life anchored at genesis: anchor
 *   height 0, the genesis bits, and genesis time minus one spacing as the anchor's parent time
 *   (aserti3-2d measures from the anchor block's parent). Every soft fork from the start.
 * - `regtest`: Bitcoin Core's CRegTestParams (src/kernel/chainparams.cpp): magic fa bf b5 da,
 *   port 18444 (18443 is Core's regtest RPC port, our explorer here), HRP `bcrt`, versions
 *   111/196/0xef, powLimit 0x7fff...ff, fPowNoRetargeting (every block at 0x207fffff), halving
 *   every 150 blocks, BIP34/65/66/CSV at height 1, segwit and taproot at 0 ("always active").
 *
 * Activation heights follow Core: a rule applies to a block whose height is >= its height.
 * BIP16 is a height here (Core hard-codes it as always on, bar one historical mainnet block).
 */
import type { AddressParams } from './address.js';
import type { Block } from './block.js';
import {
  MAIN_GENESIS_HASH,
  MAIN_GENESIS_SPEC,
  mainGenesis,
  REGTEST_GENESIS_HASH,
  regtestGenesis,
} from './genesis.js';
import { hashFromDisplay } from './hash.js';
import { decodeCompact } from './pow.js';

export type NetworkName = 'main' | 'regtest';

/** How the next block's bits are chosen. */
export type DifficultyParams =
  | {
      /** aserti3-2d: target = anchorTarget * 2^((t - anchorParentTime - spacing * (h - anchorHeight)) / halfLife). */
      readonly kind: 'asert';
      /** Seconds for the target to double (or halve) when blocks run that far behind (or ahead). */
      readonly halfLife: number;
      readonly anchorHeight: number;
      readonly anchorBits: number;
      /** Timestamp of the anchor block's parent; for a genesis anchor, genesis time - spacing. */
      readonly anchorParentTime: number;
    }
  /** Core's fPowNoRetargeting: every block carries the previous block's bits. */
  | { readonly kind: 'fixed' };

/** Height from which each buried deployment applies (Core's consensus.BIP34Height and friends). */
export interface Activations {
  readonly bip16: number;
  readonly bip34: number;
  readonly bip65: number;
  readonly bip66: number;
  /** BIP68, BIP112, BIP113 together (Core's CSVHeight). */
  readonly csv: number;
  /** BIP141, BIP143, BIP147 together (Core's SegwitHeight). */
  readonly segwit: number;
  /** BIP341, BIP342 (Core's regtest has taproot always active: height 0). */
  readonly taproot: number;
}

export interface NetworkParams {
  readonly name: NetworkName;
  /** P2P message start bytes. A shared constant: never write into it. */
  readonly magic: Uint8Array;
  readonly p2pPort: number;
  /** The explorer, Esplora API and /metrics (regtest: Esplora's 3002). */
  readonly httpPort: number;
  /** JSON-RPC (Bitcoin Core's -rpcport: main 8332, regtest 18443). */
  readonly rpcPort: number;
  readonly address: Readonly<AddressParams>;
  /** Shared instance: never mutate. */
  readonly genesis: Block;
  /** Internal byte order. */
  readonly genesisHash: Uint8Array;
  /** Display (reversed) hex. */
  readonly genesisHashHex: string;
  /** Highest allowed target (Core's consensus.powLimit). */
  readonly powLimit: bigint;
  /** powLimit in compact form, the easiest bits a block may carry. */
  readonly powLimitBits: number;
  /** Seconds between blocks the difficulty aims at. */
  readonly targetSpacing: number;
  readonly difficulty: DifficultyParams;
  /** Block subsidy at height 0, in satoshis; halves every `halvingInterval` blocks. */
  readonly subsidy: bigint;
  readonly halvingInterval: number;
  /**
   * Core's MAX_MONEY: the most satoshis any output, sum of outputs or fee may hold (MoneyRange).
   * A sanity bound a little above the total the subsidy schedule ever issues.
   */
  readonly maxMoney: bigint;
  /** Blocks before a coinbase output may be spent. */
  readonly coinbaseMaturity: number;
  readonly maxBlockWeight: number;
  readonly maxBlockSigopsCost: number;
  /** Seconds a block's time may run ahead of the node's adjusted time. */
  readonly maxFutureBlockTime: number;
  /** Blocks whose median time a new block's time must exceed. */
  readonly medianTimeSpan: number;
  readonly activation: Activations;
  /**
   * Core's defaultAssumeValid, in display hex: the default of the assumevalid setting, a block
   * whose ancestors' scripts are not checked (chain/assume-valid.ts). Null: none. Main has none
   * while no release has vetted a block of it; regtest has none, as in Core.
   */
  readonly assumeValidHex: string | null;
}

const COIN = 100_000_000n;

/** Limits shared by both networks (Bitcoin's). */
const COMMON = {
  subsidy: 50n * COIN,
  coinbaseMaturity: 100,
  maxBlockWeight: 4_000_000,
  maxBlockSigopsCost: 80_000,
  maxFutureBlockTime: 2 * 60 * 60,
  medianTimeSpan: 11,
} as const;

const MAIN_POW_LIMIT_BITS = 0x1f00ffff;
const MAIN_SPACING = 60;

export const main: NetworkParams = Object.freeze({
  name: 'main',
  magic: Uint8Array.of(0xc7, 0x0f, 0x5e, 0x1d),
  p2pPort: 8633,
  httpPort: 8634,
  rpcPort: 8332,
  address: Object.freeze({ bech32: 'gl', pubkeyHash: 38, scriptHash: 85, wif: 0xa6 }),
  genesis: mainGenesis(),
  genesisHash: hashFromDisplay(MAIN_GENESIS_HASH),
  genesisHashHex: MAIN_GENESIS_HASH,
  powLimit: decodeCompact(MAIN_POW_LIMIT_BITS).target,
  powLimitBits: MAIN_POW_LIMIT_BITS,
  targetSpacing: MAIN_SPACING,
  difficulty: Object.freeze({
    kind: 'asert',
    halfLife: 3600,
    anchorHeight: 0,
    anchorBits: MAIN_GENESIS_SPEC.bits,
    anchorParentTime: MAIN_GENESIS_SPEC.time - MAIN_SPACING,
  }),
  ...COMMON,
  halvingInterval: 2_100_000,
  // 2,100,000 blocks x 50 coins x 2 (the geometric series) = 210,000,000 coins.
  maxMoney: 210_000_000n * COIN,
  activation: Object.freeze({ bip16: 0, bip34: 1, bip65: 1, bip66: 1, csv: 1, segwit: 0, taproot: 0 }),
  assumeValidHex: null,
});

export const regtest: NetworkParams = Object.freeze({
  name: 'regtest',
  magic: Uint8Array.of(0xfa, 0xbf, 0xb5, 0xda),
  p2pPort: 18444,
  httpPort: 3002,
  rpcPort: 18443,
  address: Object.freeze({ bech32: 'bcrt', pubkeyHash: 111, scriptHash: 196, wif: 0xef }),
  genesis: regtestGenesis(),
  genesisHash: hashFromDisplay(REGTEST_GENESIS_HASH),
  genesisHashHex: REGTEST_GENESIS_HASH,
  powLimit: (1n << 255n) - 1n,
  powLimitBits: 0x207fffff,
  targetSpacing: 600,
  difficulty: Object.freeze({ kind: 'fixed' }),
  ...COMMON,
  halvingInterval: 150,
  // Bitcoin's 21,000,000 coins, as Core uses on every network.
  maxMoney: 21_000_000n * COIN,
  activation: Object.freeze({ bip16: 0, bip34: 1, bip65: 1, bip66: 1, csv: 1, segwit: 0, taproot: 0 }),
  assumeValidHex: null,
});

export const networks: Readonly<Record<NetworkName, NetworkParams>> = Object.freeze({ main, regtest });

export function isNetworkName(name: string): name is NetworkName {
  return Object.hasOwn(networks, name);
}

/** Parameters of a network by name; throws RangeError naming the known networks otherwise. */
export function getNetwork(name: string): NetworkParams {
  if (!isNetworkName(name)) {
    throw new RangeError(`unknown network '${name}' (known: ${Object.keys(networks).join(', ')})`);
  }
  return networks[name];
}
