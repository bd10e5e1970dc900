/**
 * The wallet's one error type. Each code maps to a documented process exit code (the table
 * `gossip-wallet --help` prints), so scripts can tell "fix your input" from "the node is down"
 * from "the node said no". Anything else that escapes is a bug and exits 70 (sysexits EX_SOFTWARE).
 */

export const EXIT = {
  OK: 0,
  /** Bad input: address, amount, mnemonic, key, message, option value; also a failed verify. */
  INPUT: 1,
  /** Usage: unknown command or option, missing argument (commander). */
  USAGE: 2,
  /** The wallet cannot pay: amount (plus fee) above the spendable balance. */
  FUNDS: 3,
  /** Wallet file: missing, already there, unreadable, corrupt, wrong password. */
  WALLET: 4,
  /** The node could not be reached or did not answer in time. */
  UNREACHABLE: 5,
  /**
   * The node answered something that is not what the Esplora API documents, or that does not
   * match what the wallet checked itself (raw transaction, output, tip header): a broken or lying node.
   */
  BAD_RESPONSE: 6,
  /** The node refused the transaction (POST /api/tx answered an error). */
  REJECTED: 7,
  /** An anchor check failed: a link from the file to the best chain does not hold (verify, verify-chunk). */
  ANCHOR_FAILED: 8,
  /** An anchor is not confirmed yet, or has fewer confirmations than asked: try again later. */
  PENDING: 9,
  /**
   * The fee or fee rate is above --max-fee / --max-fee-rate (Core's -maxtxfee and maxfeerate):
   * refused before anything is signed.
   */
  FEE_TOO_HIGH: 10,
  /**
   * The wallet cannot sign what was asked: a watch-only wallet (no private keys), or multisig
   * coins, which are spent through `psbt create`, `psbt sign` by each signer, and `psbt combine`.
   */
  CANNOT_SIGN: 11,
  /** A bug: an error the wallet did not expect. */
  INTERNAL: 70,
} as const;

export type WalletErrorCode =
  | 'BAD_INPUT'
  | 'BAD_ADDRESS'
  | 'BAD_AMOUNT'
  | 'DUST'
  | 'BAD_MNEMONIC'
  | 'BAD_KEY'
  | 'BAD_SIGNATURE'
  | 'INSUFFICIENT_FUNDS'
  | 'WALLET_EXISTS'
  | 'WALLET_MISSING'
  | 'WALLET_CORRUPT'
  | 'WRONG_PASSWORD'
  | 'NO_PASSWORD'
  | 'WRONG_NETWORK'
  | 'NODE_UNREACHABLE'
  | 'NODE_TIMEOUT'
  | 'BAD_RESPONSE'
  /** The node's claim does not match the bytes it served: a funding tx, an output, the tip header. */
  | 'NODE_MISMATCH'
  /** The node's tip is far past the one this wallet last saw (without --trust-node). */
  | 'TIP_JUMP'
  | 'TX_REJECTED'
  /** The fee or the fee rate is above its cap (--max-fee, --max-fee-rate). */
  | 'FEE_TOO_HIGH'
  | 'VERIFY_FAILED'
  /** A file to read is missing, unreadable, or not a regular file. */
  | 'BAD_FILE'
  /** A proof or manifest file that is malformed, of another format version or another network. */
  | 'BAD_PROOF'
  /** A proof file already exists where `anchor` would write one (without --force). */
  | 'PROOF_EXISTS'
  /** A proof or output file could not be written. */
  | 'WRITE_FAILED'
  /** A PSBT that is malformed (BIP174) or cannot be used as asked. */
  | 'BAD_PSBT'
  /** A watch-only wallet asked to sign, or multisig coins asked to be signed outside a PSBT. */
  | 'CANNOT_SIGN';

const EXIT_OF: Record<WalletErrorCode, number> = {
  BAD_INPUT: EXIT.INPUT,
  BAD_ADDRESS: EXIT.INPUT,
  BAD_AMOUNT: EXIT.INPUT,
  DUST: EXIT.INPUT,
  BAD_MNEMONIC: EXIT.INPUT,
  BAD_KEY: EXIT.INPUT,
  BAD_SIGNATURE: EXIT.INPUT,
  INSUFFICIENT_FUNDS: EXIT.FUNDS,
  WALLET_EXISTS: EXIT.WALLET,
  WALLET_MISSING: EXIT.WALLET,
  WALLET_CORRUPT: EXIT.WALLET,
  WRONG_PASSWORD: EXIT.WALLET,
  NO_PASSWORD: EXIT.WALLET,
  WRONG_NETWORK: EXIT.WALLET,
  NODE_UNREACHABLE: EXIT.UNREACHABLE,
  NODE_TIMEOUT: EXIT.UNREACHABLE,
  BAD_RESPONSE: EXIT.BAD_RESPONSE,
  NODE_MISMATCH: EXIT.BAD_RESPONSE,
  TIP_JUMP: EXIT.BAD_RESPONSE,
  TX_REJECTED: EXIT.REJECTED,
  FEE_TOO_HIGH: EXIT.FEE_TOO_HIGH,
  // A signature that does not verify is the answer "no", reported like bad input.
  VERIFY_FAILED: EXIT.INPUT,
  BAD_FILE: EXIT.INPUT,
  BAD_PROOF: EXIT.INPUT,
  PROOF_EXISTS: EXIT.INPUT,
  WRITE_FAILED: EXIT.INPUT,
  BAD_PSBT: EXIT.INPUT,
  CANNOT_SIGN: EXIT.CANNOT_SIGN,
};

export class WalletError extends Error {
  readonly code: WalletErrorCode;
  constructor(code: WalletErrorCode, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'WalletError';
    this.code = code;
  }
  get exitCode(): number {
    return EXIT_OF[this.code];
  }
}

/** The exit-code table for `--help`. */
export const EXIT_HELP = `Exit codes:
  0   success
  1   bad input (address, amount below dust, mnemonic, key, message, a missing or unreadable
      file, a malformed proof or one of another network) or signature does not verify
  2   usage error (unknown command or option, missing argument)
  3   insufficient funds (amount plus fee above the spendable balance)
  4   wallet file error (missing, exists, corrupt, wrong password, other network)
  5   node unreachable or timed out
  6   malformed node response, or one that does not match what the wallet checked (a funding
      tx's bytes, an output's value or script, the tip header's proof of work, a tip far past
      the last one seen without --trust-node); nothing is signed
  7   transaction rejected by the node
  8   anchor verification failed (verify, verify-chunk: the report names the link)
  9   anchor not confirmed yet, or too few confirmations (verify, proof --update)
  10  fee above --max-fee or fee rate above --max-fee-rate; nothing is signed
  11  cannot sign: a watch-only wallet, or multisig coins outside a PSBT (use psbt create/sign)
  70  internal error (a bug; run with --verbose for the stack)`;
