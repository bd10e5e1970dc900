/**
 * The command-line side of the schema: one commander option per setting (and `--no-<key>` for
 * each boolean, so a flag can switch off what the file or environment switched on), and the
 * flags the user actually typed. Commander is given no defaults: a default there would look
 * like a value and hide the environment and the file (load.ts applies the defaults last).
 */
import { type Command, Option } from 'commander';
import type { FlagValues } from './load.js';
import { describeDefault, envName, KEYS, LIST_KINDS } from './schema.js';

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

export function addConfigOptions(cmd: Command): Command {
  for (const s of KEYS) {
    const def = describeDefault(s);
    const flags = `${s.short ? `${s.short}, ` : ''}--${s.key}${s.arg ? ` ${s.arg}` : ''}`;
    const opt = new Option(flags, def === undefined ? s.description : `${s.description} (default: ${def})`);
    if (LIST_KINDS.includes(s.kind)) opt.argParser(collect);
    // A value outside the choices is a usage error (exit 2), as the wallet's --network is.
    if (s.choices) opt.choices(s.choices);
    cmd.addOption(opt);
    if (s.kind === 'boolean') cmd.addOption(new Option(`--no-${s.key}`, `turn ${s.key} off`));
  }
  return cmd;
}

/** Only the flags given on the command line, keyed by their config names. */
export function givenFlags(cmd: Command): FlagValues {
  const opts = cmd.opts<Record<string, string | string[] | boolean | undefined>>();
  const out: FlagValues = {};
  for (const s of KEYS) {
    const attr = new Option(`--${s.key}`).attributeName();
    const v = opts[attr];
    if (v !== undefined && cmd.getOptionValueSource(attr) === 'cli') out[s.key] = v;
  }
  return out;
}

export const CONFIG_HELP = `
Configuration:
  Each setting above (all options but --verbose, --version, --help) can also come from
  - the environment: GOSSIP_<NAME>, e.g. ${envName('http-port')}=18443; lists comma-separated
    (GOSSIP_CONNECT=1.2.3.4:8633,5.6.7.8); booleans 1/0/true/false/yes/no;
  - a config file, <datadir>/gossip.toml or <datadir>/gossip.json, or the one --config names,
    keyed by flag name: http-port = 18443, connect = ["1.2.3.4:8633"], listen = false.
    network, datadir and config locate the file, so the file cannot set them.
  Precedence: flags > environment > file > defaults. An unknown key or a bad value stops the
  node before it starts. 'gossip-node config' prints the effective settings and their sources.`;
