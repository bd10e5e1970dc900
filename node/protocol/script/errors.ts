/**
 * Script verification errors, named as Bitcoin Core's ScriptError_t (script_error.h) so the
 * core-data vectors' expected error strings map one to one (Core prints them without the
 * SCRIPT_ERR_ prefix in script_tests.json).
 */
export const SCRIPT_ERRORS = [
  'OK',
  'UNKNOWN_ERROR',
  'EVAL_FALSE',
  'OP_RETURN',
  'SCRIPT_SIZE',
  'PUSH_SIZE',
  'OP_COUNT',
  'STACK_SIZE',
  'SIG_COUNT',
  'PUBKEY_COUNT',
  'VERIFY',
  'EQUALVERIFY',
  'CHECKMULTISIGVERIFY',
  'CHECKSIGVERIFY',
  'NUMEQUALVERIFY',
  'BAD_OPCODE',
  'DISABLED_OPCODE',
  'INVALID_STACK_OPERATION',
  'INVALID_ALTSTACK_OPERATION',
  'UNBALANCED_CONDITIONAL',
  'NEGATIVE_LOCKTIME',
  'UNSATISFIED_LOCKTIME',
  'SIG_HASHTYPE',
  'SIG_DER',
  'MINIMALDATA',
  'SIG_PUSHONLY',
  'SIG_HIGH_S',
  'SIG_NULLDUMMY',
  'PUBKEYTYPE',
  'CLEANSTACK',
  'MINIMALIF',
  'NULLFAIL',
  'DISCOURAGE_UPGRADABLE_NOPS',
  'DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM',
  'WITNESS_PROGRAM_WRONG_LENGTH',
  'WITNESS_PROGRAM_WITNESS_EMPTY',
  'WITNESS_PROGRAM_MISMATCH',
  'WITNESS_MALLEATED',
  'WITNESS_MALLEATED_P2SH',
  'WITNESS_UNEXPECTED',
  'WITNESS_PUBKEYTYPE',
  'OP_CODESEPARATOR',
  'SIG_FINDANDDELETE',
  'SCRIPTNUM_OVERFLOW',
  'SCRIPTNUM_MINIMAL',
  // A script number too long or not minimal (Core's scriptnum_error; UNKNOWN_ERROR before 2025).
  'SCRIPTNUM',
  // Taproot (BIP341/342), as Core's script_error.h.
  'DISCOURAGE_UPGRADABLE_TAPROOT_VERSION',
  'DISCOURAGE_OP_SUCCESS',
  'DISCOURAGE_UPGRADABLE_PUBKEYTYPE',
  'SCHNORR_SIG_SIZE',
  'SCHNORR_SIG_HASHTYPE',
  'SCHNORR_SIG',
  'TAPROOT_WRONG_CONTROL_SIZE',
  'TAPSCRIPT_VALIDATION_WEIGHT',
  'TAPSCRIPT_CHECKMULTISIG',
  'TAPSCRIPT_MINIMALIF',
  'TAPSCRIPT_EMPTY_PUBKEY',
] as const;

export type ScriptErrorCode = (typeof SCRIPT_ERRORS)[number];

export class ScriptError extends Error {
  /** Core's name without the SCRIPT_ERR_ prefix, e.g. 'EVAL_FALSE'. */
  readonly code: ScriptErrorCode;
  constructor(code: ScriptErrorCode, message?: string) {
    super(message ?? `SCRIPT_ERR_${code}`);
    this.name = 'ScriptError';
    this.code = code;
  }
}
