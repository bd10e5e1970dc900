/**
 * devnet's one error type. The code says which kind of failure it is, so the entry point can
 * pick the message and the exit code, and the test can tell a refusal from a failed step.
 */
export type DevnetErrorCode =
  /** Bad option value (port, directory, amount of time). */
  | 'BAD_OPTION'
  /** A port devnet needs is taken by another process. */
  | 'PORT_IN_USE'
  /** The state directory holds files devnet did not write, or another devnet uses it. */
  | 'DIR_REFUSED'
  /** A node process exited or never answered. */
  | 'NODE_FAILED'
  /** A node answered, but not what was expected (RPC error, bad JSON, HTTP status). */
  | 'NODE_ERROR'
  /** A gossip-wallet command exited with an unexpected code. */
  | 'WALLET_FAILED'
  /** A bounded wait ran out. */
  | 'TIMEOUT'
  /** Ctrl-C or SIGTERM arrived before the steps were done. */
  | 'INTERRUPTED';

export class DevnetError extends Error {
  readonly code: DevnetErrorCode;
  /** The node (1..3) whose log explains the failure, if one does. */
  readonly node?: number;
  constructor(code: DevnetErrorCode, message: string, node?: number) {
    super(message);
    this.name = 'DevnetError';
    this.code = code;
    if (node !== undefined) this.node = node;
  }
}
