/**
 * What every command needs from the global options: the network, the wallet file (default
 * `<data dir>/<network>/wallet.json`, beside the node's data, by the same per-OS rule), the
 * unlocked wallet, the node's explorer API, and where output goes. Commands return data; the
 * CLI decides how to print it.
 */
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { defaultDataDir } from '../node/protocol/datadir.js';
import { getNetwork, isNetworkName, type NetworkName, type NetworkParams } from '../node/protocol/params.js';
import { WalletError } from './errors.js';
import { EsploraClient } from './esplora/client.js';
import { isSealed, readHeader, unlock } from './keystore.js';
import { readSecret } from './prompt.js';
import { Wallet } from './wallet.js';

export const PASSWORD_ENV = 'GOSSIP_WALLET_PASSWORD';

export interface GlobalOptions {
  wallet?: string;
  network?: string;
  node?: string;
  json?: boolean;
  verbose?: boolean;
  timeout?: string;
  /** Accept a tip far past the last one this wallet saw (tipstate.ts). */
  trustNode?: boolean;
  /** false with --no-cache: scan the node from scratch, neither reading nor writing the cache. */
  cache?: boolean;
}

export interface Io {
  /** One line (or block) of the command's result, on stdout. */
  out(text: string): void;
  /** Progress on long work, on stderr: shown on a terminal or with --verbose, never on stdout. */
  progress(text: string): void;
  /** A status line redrawn in place (progress bars); '' erases it. Only when stderr is a terminal. */
  status?: (line: string) => void;
  /** A one-line warning on stderr, shown always (a cache that had to be ignored). */
  warn?: (text: string) => void;
}

export class Context {
  readonly opts: GlobalOptions;
  readonly io: Io;
  readonly env: NodeJS.ProcessEnv;
  private readonly clients: EsploraClient[] = [];
  /**
   * Writes that wait for the command to succeed (the local cache, the last tip seen), so a
   * command that fails, on bad input or a lying node, changes no file.
   */
  private readonly onSuccess: (() => Promise<void>)[] = [];

  constructor(opts: GlobalOptions, io: Io, env: NodeJS.ProcessEnv = process.env) {
    this.opts = opts;
    this.io = io;
    this.env = env;
  }

  /** The network named by --network, if any. */
  get requestedNetwork(): NetworkName | undefined {
    const n = this.opts.network;
    if (n === undefined) return undefined;
    if (!isNetworkName(n)) throw new WalletError('BAD_INPUT', `unknown network '${n}' (main, regtest)`);
    return n;
  }

  /** Wallet file path for a new wallet on `network`. */
  walletPath(network: NetworkName): string {
    return resolve(
      this.opts.wallet ?? join(defaultDataDir(network, this.env, process.platform, homedir()), 'wallet.json'),
    );
  }

  /** Network and path of an existing wallet; --network must agree with the file. */
  async existing(): Promise<{ path: string; network: NetworkParams }> {
    const asked = this.requestedNetwork;
    const path = this.walletPath(asked ?? 'main');
    const header = await readHeader(path);
    if (asked !== undefined && header.network !== asked) {
      throw new WalletError('WRONG_NETWORK', `wallet file ${path} is for ${header.network}, not ${asked}`);
    }
    return { path, network: getNetwork(header.network) };
  }

  async password(confirm = false): Promise<string> {
    return readSecret(
      { env: PASSWORD_ENV, prompt: 'Wallet password: ', confirm, what: 'wallet password' },
      this.env,
    );
  }

  /**
   * The wallet with its private keys: asks for the password, except for a watch-only wallet,
   * which has none (its Wallet can then not sign: build.ts and psbt sign refuse, exit 11).
   */
  async open(): Promise<{ path: string; wallet: Wallet }> {
    const { path, network } = await this.existing();
    const header = await readHeader(path);
    if (!isSealed(header) && header.public)
      return { path, wallet: Wallet.fromPublic(network, header.public) };
    const { secrets } = await unlock(path, await this.password());
    return { path, wallet: new Wallet(network, secrets) };
  }

  /**
   * The wallet for commands that need no private key (balance, address, history, descriptors,
   * psbt create): from the file's readable part, no password, as Core's wallet; a version 1
   * file (everything sealed) still needs the password.
   */
  async openPublic(): Promise<{ path: string; wallet: Wallet }> {
    const { path, network } = await this.existing();
    const header = await readHeader(path);
    if (header.public) return { path, wallet: Wallet.fromPublic(network, header.public) };
    return this.open();
  }

  client(network: NetworkParams): EsploraClient {
    const timeout = this.opts.timeout === undefined ? 15 : Number(this.opts.timeout);
    if (!Number.isFinite(timeout) || timeout <= 0 || timeout > 3600) {
      throw new WalletError('BAD_INPUT', `invalid --timeout '${this.opts.timeout}' (seconds, 0 < t <= 3600)`);
    }
    const client = new EsploraClient({
      url: this.opts.node ?? `http://127.0.0.1:${network.httpPort}`,
      timeoutMs: timeout * 1000,
    });
    this.clients.push(client);
    return client;
  }

  /** Runs `write` once the command has succeeded (commit()). */
  afterSuccess(write: () => Promise<void>): void {
    this.onSuccess.push(write);
  }

  /** The command succeeded: the writes it left for then. */
  async commit(): Promise<void> {
    for (const w of this.onSuccess.splice(0)) await w();
  }

  /** Closes the clients' idle connections (the CLI runs in-process in tests, beside the node). */
  close(): void {
    for (const c of this.clients.splice(0)) c.close();
  }
}
