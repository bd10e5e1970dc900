/**
 * The anchoring library's one error type, for bad input handed to it (a manifest, proof, path
 * or chunk size that is malformed or does not belong to this network). Its `code` is stable:
 * the wallet maps it to an exit code and the explorer to a 400, never on the message. A failed
 * verification is not an error: verify.ts returns which link failed (see `VerifyCode`).
 */
export type AnchorErrorCode =
  /** The proof is not the documented JSON shape (syntax, missing or unknown field, bad type). */
  | 'MALFORMED_PROOF'
  /** A manifest (canonical bytes or JSON) is not well formed or not self-consistent. */
  | 'MALFORMED_MANIFEST'
  /** A Merkle path or chunk-hash list is not well formed (hex, hash length, too long). */
  | 'MALFORMED_PATH'
  /** The proof or manifest declares a format version this code does not know. */
  | 'UNSUPPORTED_VERSION'
  /** The proof is for another network than the one it is checked against. */
  | 'WRONG_NETWORK'
  /** A chunk size that is not a power of two within [MIN_CHUNK_SIZE, MAX_CHUNK_SIZE]. */
  | 'BAD_CHUNK_SIZE'
  /** A file name that is empty, too long, not valid UTF-8 or holds '/' or a control character. */
  | 'BAD_NAME'
  /** A chunk or leaf index outside the tree. */
  | 'BAD_INDEX'
  /** Nothing to commit to (an empty list of manifest ids). */
  | 'NO_IDS'
  /** A size or count beyond what the formats can carry. */
  | 'TOO_LARGE'
  /** A caller mixed things that cannot go together (file digest of another chunk size). */
  | 'MISMATCH';

export class AnchorError extends Error {
  readonly code: AnchorErrorCode;
  constructor(code: AnchorErrorCode, message: string) {
    super(message);
    this.name = 'AnchorError';
    this.code = code;
  }
}
