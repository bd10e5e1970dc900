/**
 * Bitcoin Core's script test notation (core_read.cpp ParseScript): decimal numbers push as
 * CScriptNum, `0x..` inserts raw bytes, `'text'` pushes the string, and opcode names with or
 * without the OP_ prefix. Used to load script_tests.json and tx_valid/tx_invalid.json.
 */
import { concat, fromHex, utf8 } from '../bytes.js';
import { EncodingError } from '../errors.js';
import { encodeNumBig } from './num.js';
import { OP, OPCODE_BY_NAME } from './opcodes.js';
import { pushBytes } from './script.js';

export function parseCoreAsm(text: string): Uint8Array {
  const parts: Uint8Array[] = [];
  for (const word of text.split(/[ \t\n]+/)) {
    if (word === '') continue;
    if (/^-?\d+$/.test(word) && word !== '-') {
      const n = BigInt(word);
      if (n === 0n) parts.push(Uint8Array.of(OP.OP_0));
      else if (n === -1n) parts.push(Uint8Array.of(OP.OP_1NEGATE));
      else if (n >= 1n && n <= 16n) parts.push(Uint8Array.of(OP.OP_1 + Number(n) - 1));
      else parts.push(pushBytes(encodeNumBig(n)));
    } else if (word.startsWith('0x') && word.length > 2 && /^[0-9a-fA-F]+$/.test(word.slice(2))) {
      parts.push(fromHex(word.slice(2)));
    } else if (word.length >= 2 && word.startsWith("'") && word.endsWith("'")) {
      parts.push(pushBytes(utf8(word.slice(1, -1))));
    } else {
      const op = OPCODE_BY_NAME.get(word);
      if (op === undefined) throw new EncodingError('BAD_SCRIPT_ASM', `unknown opcode ${word}`);
      parts.push(Uint8Array.of(op));
    }
  }
  return concat(...parts);
}
