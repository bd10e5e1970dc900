/**
 * Human/JSON views of protocol objects in the shape of Bitcoin Core's decoderawtransaction
 * (txid, hash, size, vsize, weight, vin/vout with asm, hex, type and address), for CLIs and logs.
 */
import { encodeAddress } from './address.js';
import { toHex } from './bytes.js';
import { hashToDisplay } from './hash.js';
import type { NetworkParams } from './params.js';
import { toAsm } from './script/script.js';
import { classifyOutput, type OutputType } from './script/templates.js';
import type { Tx } from './tx.js';

/** Base units to coins as a decimal string with 8 places, without floating point. */
export function formatCoins(sats: bigint): string {
  const neg = sats < 0n;
  const abs = neg ? -sats : sats;
  const whole = abs / 100_000_000n;
  const frac = (abs % 100_000_000n).toString().padStart(8, '0');
  return `${neg ? '-' : ''}${whole}.${frac}`;
}

/** Core's TxoutType names (GetTxnOutputType), which its RPCs print as "type". */
const CORE_TYPE: Record<OutputType, string> = {
  p2pkh: 'pubkeyhash',
  p2sh: 'scripthash',
  p2wpkh: 'witness_v0_keyhash',
  p2wsh: 'witness_v0_scripthash',
  p2tr: 'witness_v1_taproot',
  witness_unknown: 'witness_unknown',
  multisig: 'multisig',
  p2pk: 'pubkey',
  nulldata: 'nulldata',
  nonstandard: 'nonstandard',
};

export function coreScriptType(script: Uint8Array): string {
  return CORE_TYPE[classifyOutput(script).type];
}

export function describeTx(tx: Tx, net: NetworkParams): Record<string, unknown> {
  return {
    txid: tx.txidHex(),
    hash: tx.wtxidHex(),
    version: tx.version,
    size: tx.size(),
    vsize: tx.vsize(),
    weight: tx.weight(),
    locktime: tx.locktime,
    vin: tx.inputs.map((i) => ({
      ...(tx.isCoinbase()
        ? { coinbase: toHex(i.script) }
        : {
            txid: hashToDisplay(i.prevout.txid),
            vout: i.prevout.index,
            scriptSig: { asm: toAsm(i.script), hex: toHex(i.script) },
          }),
      ...(i.witness.length > 0 ? { txinwitness: i.witness.map(toHex) } : {}),
      sequence: i.sequence,
    })),
    vout: tx.outputs.map((o, n) => {
      const address = encodeAddress(o.script, net.address);
      return {
        // A JSON number, as Core prints it; parsed from the exact decimal string.
        value: Number(formatCoins(o.value)),
        n,
        scriptPubKey: {
          asm: toAsm(o.script),
          hex: toHex(o.script),
          type: coreScriptType(o.script),
          ...(address ? { address } : {}),
        },
      };
    }),
  };
}
