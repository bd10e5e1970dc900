/** Script verification flags, bit for bit as Bitcoin Core's interpreter.h SCRIPT_VERIFY_*. */
export const FLAGS = {
  NONE: 0,
  P2SH: 1 << 0,
  STRICTENC: 1 << 1,
  DERSIG: 1 << 2,
  LOW_S: 1 << 3,
  NULLDUMMY: 1 << 4,
  SIGPUSHONLY: 1 << 5,
  MINIMALDATA: 1 << 6,
  DISCOURAGE_UPGRADABLE_NOPS: 1 << 7,
  CLEANSTACK: 1 << 8,
  CHECKLOCKTIMEVERIFY: 1 << 9,
  CHECKSEQUENCEVERIFY: 1 << 10,
  WITNESS: 1 << 11,
  DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM: 1 << 12,
  MINIMALIF: 1 << 13,
  NULLFAIL: 1 << 14,
  WITNESS_PUBKEYTYPE: 1 << 15,
  CONST_SCRIPTCODE: 1 << 16,
  TAPROOT: 1 << 17,
  DISCOURAGE_UPGRADABLE_TAPROOT_VERSION: 1 << 18,
  DISCOURAGE_OP_SUCCESS: 1 << 19,
  DISCOURAGE_UPGRADABLE_PUBKEYTYPE: 1 << 20,
} as const;

export type FlagName = Exclude<keyof typeof FLAGS, 'NONE'>;

/** Parses Core's comma-separated flag notation ("P2SH,STRICTENC"); unknown names throw. */
export function parseFlags(text: string): number {
  let flags = 0;
  for (const raw of text.split(',')) {
    const name = raw.trim();
    if (name === '' || name === 'NONE') continue;
    const bit = (FLAGS as Record<string, number>)[name];
    if (bit === undefined) throw new Error(`unknown script flag ${name}`);
    flags |= bit;
  }
  return flags;
}

export function flagsFromNames(names: readonly string[]): number {
  return parseFlags(names.join(','));
}

/** Consensus flags (what blocks are checked with), Core's mandatory set. */
export const MANDATORY_FLAGS =
  FLAGS.P2SH |
  FLAGS.DERSIG |
  FLAGS.NULLDUMMY |
  FLAGS.CHECKLOCKTIMEVERIFY |
  FLAGS.CHECKSEQUENCEVERIFY |
  FLAGS.WITNESS |
  FLAGS.TAPROOT;

/** Core's STANDARD_SCRIPT_VERIFY_FLAGS: mempool policy on top of consensus. */
export const STANDARD_FLAGS =
  MANDATORY_FLAGS |
  FLAGS.STRICTENC |
  FLAGS.LOW_S |
  FLAGS.MINIMALDATA |
  FLAGS.DISCOURAGE_UPGRADABLE_NOPS |
  FLAGS.CLEANSTACK |
  FLAGS.DISCOURAGE_UPGRADABLE_WITNESS_PROGRAM |
  FLAGS.MINIMALIF |
  FLAGS.NULLFAIL |
  FLAGS.WITNESS_PUBKEYTYPE |
  FLAGS.CONST_SCRIPTCODE |
  FLAGS.DISCOURAGE_UPGRADABLE_TAPROOT_VERSION |
  FLAGS.DISCOURAGE_OP_SUCCESS |
  FLAGS.DISCOURAGE_UPGRADABLE_PUBKEYTYPE;
