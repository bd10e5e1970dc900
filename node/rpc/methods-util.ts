/**
 * Core's util and raw-transaction helpers that read no chain state (rpc/util.cpp,
 * rawtransaction.cpp, output_script.cpp): validateaddress, decoderawtransaction, decodescript,
 * and the node's own: uptime, getrpcinfo, estimatesmartfee (over the explorer's estimates).
 */
import { decodeTx, type RpcNode, txBytesFromHex } from '../api.js';
import { decodeAddress, encodeAddress } from '../protocol/address.js';
import { fromHex, isHex, toHex } from '../protocol/bytes.js';
import { coreScriptType, describeTx } from '../protocol/describe.js';
import { hash160, sha256 } from '../protocol/hash.js';
import { toAsm } from '../protocol/script/script.js';
import {
  classifyOutput,
  p2sh,
  p2wpkh,
  p2wsh,
  validPubkeySize,
  witnessProgramOf,
} from '../protocol/script/templates.js';
import { broadcastArg, int, str } from './args.js';
import { RPC, RpcError } from './errors.js';
import type { RpcHandler } from './jsonrpc.js';

/** What getrpcinfo reports: the calls running now. */
export interface RpcActivity {
  active(): { method: string; duration: number }[];
}

/** Core's estimatesmartfee bounds (MAX_CONF_TARGET of the longest horizon). */
const MAX_CONF_TARGET = 1008;
const ESTIMATE_MODES = ['unset', 'economical', 'conservative'];

/** Core's `Invalid ... hex` / type errors for a hex argument. */
function hexArg(v: unknown, name: string): Uint8Array {
  const s = str(v, name);
  if (!isHex(s)) throw new RpcError(RPC.INVALID_PARAMETER, `${name} must be hexadecimal string (not '${s}')`);
  return fromHex(s);
}

export function buildUtilMethods(node: RpcNode, activity: RpcActivity): Record<string, RpcHandler> {
  const { params } = node;
  const addressOf = (script: Uint8Array) => encodeAddress(script, params.address) ?? undefined;

  /** Core's ScriptToUniv without the descriptor: asm, type, address when it has one. */
  const scriptJson = (script: Uint8Array, withHex: boolean) => {
    const address = addressOf(script);
    return {
      asm: toAsm(script),
      ...(withHex ? { hex: toHex(script) } : {}),
      type: coreScriptType(script),
      ...(address ? { address } : {}),
    };
  };

  return {
    uptime: () => Math.floor((Date.now() - node.startedAt) / 1000),

    getrpcinfo: () => ({ active_commands: activity.active(), logpath: '' }),

    validateaddress: ([address]) => {
      const text = str(address, 'address');
      let script: Uint8Array;
      try {
        script = decodeAddress(text, params.address);
      } catch (e) {
        return { isvalid: false, error_locations: [], error: (e as Error).message };
      }
      const wp = witnessProgramOf(script);
      return {
        isvalid: true,
        address: text,
        scriptPubKey: toHex(script),
        isscript: classifyOutput(script).type === 'p2sh' || classifyOutput(script).type === 'p2wsh',
        iswitness: wp !== null,
        ...(wp ? { witness_version: wp.version, witness_program: toHex(wp.program) } : {}),
      };
    },

    decoderawtransaction: ([hex]) => {
      const tx = broadcastArg(() => decodeTx(txBytesFromHex(str(hex, 'hexstring'))));
      return describeTx(tx, params);
    },

    decodescript: ([hex]) => {
      const script = hexArg(hex, 'hexstring');
      const out: Record<string, unknown> = scriptJson(script, false);
      const c = classifyOutput(script);
      // Core's can_wrap: what may sit inside P2SH; and can_wrap_P2WSH: what may be a witness script.
      const canWrap = ['multisig', 'nonstandard', 'p2pk', 'p2pkh', 'p2wpkh', 'p2wsh'].includes(c.type);
      if (canWrap) out.p2sh = addressOf(p2sh(hash160(script)));
      let canWrapWsh = c.type === 'nonstandard' || c.type === 'p2pkh';
      if (c.type === 'p2pk') canWrapWsh = c.pubkey.length === 33;
      if (c.type === 'multisig') canWrapWsh = c.pubkeys.every((k) => k.length === 33 && validPubkeySize(k));
      if (canWrapWsh) {
        let seg: Uint8Array;
        if (c.type === 'p2pk') seg = p2wpkh(hash160(c.pubkey));
        else if (c.type === 'p2pkh') seg = p2wpkh(c.hash);
        else seg = p2wsh(sha256(script));
        out.segwit = { ...scriptJson(seg, true), 'p2sh-segwit': addressOf(p2sh(hash160(seg))) };
      }
      return out;
    },

    estimatesmartfee: async ([target, mode]) => {
      const t = int(target, 'conf_target');
      if (t < 1 || t > MAX_CONF_TARGET)
        throw new RpcError(
          RPC.INVALID_PARAMETER,
          `Invalid conf_target, must be between 1 and ${MAX_CONF_TARGET}`,
        );
      if (
        mode !== undefined &&
        mode !== null &&
        !ESTIMATE_MODES.includes(str(mode, 'estimate_mode').toLowerCase())
      )
        throw new RpcError(
          RPC.INVALID_PARAMETER,
          'Invalid estimate_mode parameter, must be one of: "unset", "economical", "conservative"',
        );
      const estimates = await node.feeEstimates();
      // Core answers for the target it could estimate, at least the one asked ("blocks"), and
      // treats 1 as 2; ours are estimated at 1-25, 144, 504 and 1008 blocks.
      const targets = Object.keys(estimates)
        .map(Number)
        .sort((a, b) => a - b);
      const used = targets.find((x) => x >= Math.max(t, 2)) ?? targets[targets.length - 1];
      if (used === undefined) return { errors: ['Insufficient data or no feerate found'], blocks: 0 };
      // sat/vB to coin/kvB, rounded to whole satoshis per kvB as Core's CFeeRate is.
      const satPerKvB = Math.round(estimates[String(used)]! * 1000);
      return { feerate: satPerKvB / 1e8, blocks: used };
    },
  };
}
