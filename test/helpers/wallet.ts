/** Wallet test data: the BIP39/BIP32/BIP84 vectors in test/data/wallet/vectors.json. */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface WalletVectors {
  bip39: { passphrase: string; english: [string, string, string, string][] };
  bip32: { vectors: { seed: string; chains: [string, string, string][] }[] };
  bip84: {
    mnemonic: string;
    rootnode: string;
    account0_xpriv: string;
    keys: { path: string; privkey: string; pubkey: string; address: string }[];
  };
}

const here = dirname(fileURLToPath(import.meta.url));

export function walletVectors(): WalletVectors {
  return JSON.parse(
    readFileSync(join(here, '..', 'data', 'wallet', 'vectors.json'), 'utf8'),
  ) as WalletVectors;
}
