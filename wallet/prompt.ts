/**
 * Secrets from the person at the terminal: a prompt on stderr that does not echo what is typed
 * (raw mode, byte by byte), or an environment variable for scripts. Nothing read here is ever
 * written anywhere but into the sealed wallet file.
 */
import { WalletError } from './errors.js';

export interface SecretSource {
  /** Environment variable tried first. */
  env: string;
  /** Prompt text (stderr). */
  prompt: string;
  /** Ask twice on a terminal (new passwords). */
  confirm?: boolean;
  /** What to say when neither a terminal nor the variable is there. */
  what: string;
  /** Empty answers allowed (BIP39 passphrase). */
  allowEmpty?: boolean;
}

export async function readSecret(src: SecretSource, env: NodeJS.ProcessEnv = process.env): Promise<string> {
  const fromEnv = env[src.env];
  if (fromEnv !== undefined) return checkEmpty(fromEnv, src);
  if (!process.stdin.isTTY) {
    throw new WalletError('NO_PASSWORD', `no ${src.what}: set ${src.env} or run in a terminal`);
  }
  const first = await promptHidden(src.prompt);
  if (src.confirm) {
    const again = await promptHidden('Repeat to confirm: ');
    if (again !== first) throw new WalletError('BAD_INPUT', `the two ${src.what} entries differ`);
  }
  return checkEmpty(first, src);
}

function checkEmpty(value: string, src: SecretSource): string {
  if (value === '' && !src.allowEmpty) throw new WalletError('NO_PASSWORD', `empty ${src.what}`);
  return value;
}

/** Reads a line from the terminal without echoing it; Ctrl-C aborts. */
export function promptHidden(prompt: string): Promise<string> {
  const stdin = process.stdin;
  return new Promise((resolve, reject) => {
    let value = '';
    const wasRaw = stdin.isRaw;
    // Echo goes off before the prompt shows, so nothing typed after it is ever echoed.
    stdin.setRawMode(true);
    process.stderr.write(prompt);
    stdin.resume();
    stdin.setEncoding('utf8');
    const done = (err: Error | null) => {
      stdin.setRawMode(wasRaw);
      stdin.pause();
      stdin.removeListener('data', onData);
      process.stderr.write('\n');
      if (err) reject(err);
      else resolve(value);
    };
    const onData = (chunk: string) => {
      for (const ch of chunk) {
        if (ch === '\r' || ch === '\n' || ch === '\u0004') return done(null);
        if (ch === '\u0003') return done(new WalletError('BAD_INPUT', 'interrupted'));
        if (ch === '\u007f' || ch === '\b') value = value.slice(0, -1);
        else if (ch >= ' ') value += ch;
      }
    };
    stdin.on('data', onData);
  });
}

/** All of stdin as text (a mnemonic piped in by a script). */
export async function readStdin(): Promise<string> {
  const chunks: Buffer[] = [];
  for await (const c of process.stdin) chunks.push(c as Buffer);
  return Buffer.concat(chunks).toString('utf8');
}
