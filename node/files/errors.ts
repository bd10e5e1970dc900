/**
 * FilesError: what went wrong with a local request to share, fetch or remove a file (the RPC
 * maps the code to an error, the CLI to one line and exit code 1). A peer's bad data is never a
 * FilesError: it is a P2PError whose consequence p2p/misbehaviour.ts declares.
 */
export type FilesErrorCode =
  /** The file does not match the manifest of its proof. */
  | 'FILE_MISMATCH'
  /** The proof (or manifest) could not be read or parsed. */
  | 'BAD_PROOF'
  /** The manifest's commitment is not anchored on the best chain. */
  | 'NOT_ANCHORED'
  /** No such file in the store. */
  | 'NOT_FOUND'
  /** Adding the file would exceed --files-max-bytes. */
  | 'QUOTA'
  /** An output path that cannot be written (exists, or its folder does not). */
  | 'BAD_OUTPUT'
  /** An anchor id covering several files: give the manifest id. */
  | 'AMBIGUOUS'
  /** Nobody connected provides the file (yet). */
  | 'NO_PROVIDERS'
  /** The node stops, or the download was removed. */
  | 'CANCELLED';

export class FilesError extends Error {
  readonly code: FilesErrorCode;
  constructor(code: FilesErrorCode, message: string) {
    super(message);
    this.name = 'FilesError';
    this.code = code;
  }
}
