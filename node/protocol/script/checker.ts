/**
 * What the interpreter asks of the spending transaction (Core's BaseSignatureChecker,
 * interpreter.h), and Core's GenericTransactionSignatureChecker: signatures against the spending
 * transaction's sighash, OP_CHECKLOCKTIMEVERIFY against nLockTime (BIP65),
 * OP_CHECKSEQUENCEVERIFY against the input's nSequence (BIP112), and CheckSchnorrSignature
 * (BIP340 signatures over BIP341's sighash, for key paths and tapscript).
 */
import { defaultBackend, type EcdsaBackend, verifyEcdsa } from '../ecdsa.js';
import { defaultSchnorr, type SchnorrBackend } from '../schnorr.js';
import { ScriptError } from './errors.js';
import { legacySighash, type PrecomputedTx, SigVersion, witnessV0SighashOf } from './sighash.js';
import { SIGHASH_DEFAULT, type TaprootExecData, taprootSighash } from './sighash-taproot.js';

export const LOCKTIME_THRESHOLD = 500_000_000;
export const SEQUENCE_FINAL = 0xffffffff;
export const SEQUENCE_LOCKTIME_DISABLE_FLAG = 0x80000000;
export const SEQUENCE_LOCKTIME_TYPE_FLAG = 1 << 22;
export const SEQUENCE_LOCKTIME_MASK = 0x0000ffff;

/** What the interpreter needs from the spending transaction (Core's BaseSignatureChecker). */
export interface SignatureChecker {
  /** `sig` still carries its hash-type byte. */
  checkSig(sig: Uint8Array, pubkey: Uint8Array, scriptCode: Uint8Array, sigversion: SigVersion): boolean;
  /**
   * CheckSchnorrSignature: `sig` is 64 bytes (SIGHASH_DEFAULT) or 65 with its hash type, `pubkey`
   * 32 bytes. Throws ScriptError (SCHNORR_SIG_SIZE, SCHNORR_SIG_HASHTYPE, SCHNORR_SIG) on failure.
   */
  checkSchnorrSig(sig: Uint8Array, pubkey: Uint8Array, sigversion: SigVersion, exec: TaprootExecData): void;
  checkLockTime(lockTime: number): boolean;
  checkSequence(sequence: number): boolean;
  /** The curve arithmetic for BIP341's commitment check, from the same backend as signatures. */
  readonly schnorr: SchnorrBackend;
}

/** Fails every signature and lock check: for scripts evaluated without a transaction. */
export const NULL_CHECKER: SignatureChecker = {
  checkSig: () => false,
  checkSchnorrSig: () => {
    throw new ScriptError('SCHNORR_SIG');
  },
  checkLockTime: () => false,
  checkSequence: () => false,
  schnorr: defaultSchnorr,
};

export class TxSignatureChecker implements SignatureChecker {
  private readonly pre: PrecomputedTx;
  private readonly index: number;
  private readonly amount: bigint;
  private readonly backend: EcdsaBackend;
  // CHECKMULTISIG tries each signature against several keys with the same script code.
  private lastScriptCode?: Uint8Array;
  private lastHashType = -1;
  private lastSigversion = -1;
  private lastHash?: Uint8Array;

  constructor(pre: PrecomputedTx, index: number, amount: bigint, backend: EcdsaBackend = defaultBackend) {
    this.pre = pre;
    this.index = index;
    this.amount = amount;
    this.backend = backend;
  }

  get schnorr(): SchnorrBackend {
    return this.backend.schnorr;
  }

  checkSig(sig: Uint8Array, pubkey: Uint8Array, scriptCode: Uint8Array, sigversion: SigVersion): boolean {
    if (sig.length === 0) return false;
    const hashType = sig[sig.length - 1]!;
    let hash: Uint8Array;
    if (
      this.lastHash &&
      this.lastScriptCode === scriptCode &&
      this.lastHashType === hashType &&
      this.lastSigversion === sigversion
    ) {
      hash = this.lastHash;
    } else {
      hash =
        sigversion === SigVersion.BASE
          ? legacySighash(this.pre.tx, this.index, scriptCode, hashType, this.pre.scratch)
          : witnessV0SighashOf(this.pre, this.index, scriptCode, this.amount, hashType);
      this.lastScriptCode = scriptCode;
      this.lastHashType = hashType;
      this.lastSigversion = sigversion;
      this.lastHash = hash;
    }
    return verifyEcdsa(this.backend, hash, sig.subarray(0, sig.length - 1), pubkey);
  }

  checkSchnorrSig(sig: Uint8Array, pubkey: Uint8Array, sigversion: SigVersion, exec: TaprootExecData): void {
    if (sig.length !== 64 && sig.length !== 65) throw new ScriptError('SCHNORR_SIG_SIZE');
    let hashType = SIGHASH_DEFAULT;
    if (sig.length === 65) {
      hashType = sig[64]!;
      // An explicit 0x00 would give two encodings of one signature (BIP341).
      if (hashType === SIGHASH_DEFAULT) throw new ScriptError('SCHNORR_SIG_HASHTYPE');
      sig = sig.subarray(0, 64);
    }
    // Core asserts the spent outputs are there; reaching here without them is a caller's bug.
    if (this.pre.spent === null)
      throw new ScriptError('UNKNOWN_ERROR', 'taproot check without spent outputs');
    const hash = taprootSighash(this.pre, this.index, hashType, sigversion, exec);
    if (hash === null) throw new ScriptError('SCHNORR_SIG_HASHTYPE');
    if (!this.backend.schnorr.verify(hash, sig, pubkey)) throw new ScriptError('SCHNORR_SIG');
  }

  checkLockTime(lockTime: number): boolean {
    const txLock = this.pre.tx.locktime;
    const sameKind =
      (txLock < LOCKTIME_THRESHOLD && lockTime < LOCKTIME_THRESHOLD) ||
      (txLock >= LOCKTIME_THRESHOLD && lockTime >= LOCKTIME_THRESHOLD);
    if (!sameKind) return false;
    if (lockTime > txLock) return false;
    // A final input would let IsFinalTx skip nLockTime altogether, bypassing CLTV.
    return this.pre.tx.inputs[this.index]!.sequence !== SEQUENCE_FINAL;
  }

  checkSequence(sequence: number): boolean {
    const txSeq = this.pre.tx.inputs[this.index]!.sequence;
    if (this.pre.tx.version >>> 0 < 2) return false;
    if (txSeq & SEQUENCE_LOCKTIME_DISABLE_FLAG) return false;
    const mask = SEQUENCE_LOCKTIME_TYPE_FLAG | SEQUENCE_LOCKTIME_MASK;
    const txMasked = txSeq & mask;
    const opMasked = sequence & mask;
    const sameKind =
      (txMasked < SEQUENCE_LOCKTIME_TYPE_FLAG && opMasked < SEQUENCE_LOCKTIME_TYPE_FLAG) ||
      (txMasked >= SEQUENCE_LOCKTIME_TYPE_FLAG && opMasked >= SEQUENCE_LOCKTIME_TYPE_FLAG);
    if (!sameKind) return false;
    return opMasked <= txMasked;
  }
}
