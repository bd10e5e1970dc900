/**
 * Typed error for malformed bytes or text handed to a codec. Its `code` is stable: callers
 * (p2p misbehaviour, explorer 400s) branch on it, never on the message.
 */
export type EncodingErrorCode =
  | 'BAD_HEX'
  | 'OUT_OF_BOUNDS'
  | 'NON_CANONICAL_VARINT'
  | 'TOO_LARGE'
  | 'TRAILING_BYTES'
  | 'BAD_WITNESS_FLAG'
  | 'SUPERFLUOUS_WITNESS'
  | 'BAD_ADDRESS'
  | 'BAD_CHECKSUM'
  | 'BAD_KEY'
  | 'BAD_SCRIPT_ASM'
  | 'BAD_VALUE';

export class EncodingError extends Error {
  readonly code: EncodingErrorCode;
  constructor(code: EncodingErrorCode, message: string) {
    super(message);
    this.name = 'EncodingError';
    this.code = code;
  }
}
