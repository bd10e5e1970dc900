/**
 * Script assembly as Esplora prints it (rust-bitcoin's `Script` Debug/asm format, which
 * electrs uses for scriptpubkey_asm and scriptsig_asm): every push names its opcode
 * (`OP_PUSHBYTES_20 <hex>`, `OP_PUSHDATA1 <hex>`), OP_0 is `OP_0`, OP_1..OP_16 are
 * `OP_PUSHNUM_n`, OP_1NEGATE is `OP_PUSHNUM_NEG1`, NOP2/NOP3 are `OP_CLTV`/`OP_CSV`, unassigned
 * opcodes are `OP_RETURN_<n>`; a truncated push ends with `<push past end>` and a truncated
 * length with `<unexpected end>` (glued to the previous op, as rust-bitcoin writes it).
 */
import { toHex } from '../node/protocol/bytes.js';
import { OP, OP_NAMES } from '../node/protocol/script/opcodes.js';

function opName(op: number): string {
  if (op >= 1 && op <= 75) return `OP_PUSHBYTES_${op}`;
  if (op === OP.OP_1NEGATE) return 'OP_PUSHNUM_NEG1';
  if (op >= OP.OP_1 && op <= OP.OP_16) return `OP_PUSHNUM_${op - OP.OP_1 + 1}`;
  if (op === OP.OP_CHECKLOCKTIMEVERIFY) return 'OP_CLTV';
  if (op === OP.OP_CHECKSEQUENCEVERIFY) return 'OP_CSV';
  if (op > OP.OP_CHECKSIGADD && op < OP.OP_INVALIDOPCODE) return `OP_RETURN_${op}`;
  return OP_NAMES[op] ?? `OP_RETURN_${op}`;
}

export function esploraAsm(script: Uint8Array): string {
  let out = '';
  let pc = 0;
  const n = script.length;
  while (pc < n) {
    const op = script[pc++]!;
    let len = 0;
    if (op >= 1 && op <= 75) len = op;
    else if (op >= OP.OP_PUSHDATA1 && op <= OP.OP_PUSHDATA4) {
      const width = op === OP.OP_PUSHDATA1 ? 1 : op === OP.OP_PUSHDATA2 ? 2 : 4;
      if (n - pc < width) {
        out += '<unexpected end>';
        break;
      }
      for (let i = width - 1; i >= 0; i--) len = len * 256 + script[pc + i]!;
      pc += width;
    }
    if (out !== '') out += ' ';
    out += op === 0 ? 'OP_0' : opName(op);
    if (len > 0) {
      if (len > n - pc) {
        out += ' <push past end>';
        break;
      }
      out += ` ${toHex(script.subarray(pc, pc + len))}`;
      pc += len;
    }
  }
  return out;
}
