/** sign-message and verify-message (BIP137 format; see ../message.ts). Both work offline. */
import { decodeAddress } from '../../node/protocol/address.js';
import { equal } from '../../node/protocol/bytes.js';
import { getNetwork, type NetworkParams, networks } from '../../node/protocol/params.js';
import type { Context } from '../context.js';
import { WalletError } from '../errors.js';
import { CHANGE, RECEIVE, type WalletKey } from '../hd.js';
import { signMessage, verifyMessage } from '../message.js';
import type { Wallet } from '../wallet.js';
import type { Result } from './result.js';

/** How far into each chain sign-message looks for the address's key (no node needed). */
export const SIGN_SEARCH_DEPTH = 1000;

function findKey(wallet: Wallet, script: Uint8Array): WalletKey | undefined {
  for (const k of wallet.imported) if (equal(k.script, script)) return k;
  if (!wallet.account) return undefined;
  for (let i = 0; i < SIGN_SEARCH_DEPTH; i++) {
    for (const chain of [RECEIVE, CHANGE] as const) {
      const k = wallet.key(chain, i);
      if (equal(k.script, script)) return k;
    }
  }
  return undefined;
}

export async function signMessageCmd(ctx: Context, address: string, message: string): Promise<Result> {
  const { network } = await ctx.existing();
  let script: Uint8Array;
  try {
    script = decodeAddress(address, network.address);
  } catch (e) {
    throw new WalletError(
      'BAD_ADDRESS',
      `invalid ${network.name} address '${address}': ${(e as Error).message}`,
    );
  }
  const { wallet } = await ctx.open();
  const key = findKey(wallet, script);
  if (!key) {
    throw new WalletError(
      'BAD_ADDRESS',
      `address ${address} is not one of this wallet's P2WPKH keys (searched ${SIGN_SEARCH_DEPTH} receive and change addresses and imported keys)`,
    );
  }
  if (!key.privateKey)
    throw new WalletError('CANNOT_SIGN', `this wallet is watch-only: no private key for ${address}`);
  const signature = signMessage(message, key.privateKey);
  return { json: { address, message, signature }, text: signature };
}

export function verifyMessageCmd(ctx: Context, address: string, signature: string, message: string): Result {
  const network = ctx.requestedNetwork ? getNetwork(ctx.requestedNetwork) : networkOf(address);
  if (!verifyMessage(address, message, signature, network)) {
    throw new WalletError('VERIFY_FAILED', `signature does not verify for ${address}`);
  }
  return { json: { address, valid: true }, text: 'signature is valid' };
}

/** Without --network, the network whose address format `address` has (main when none). */
function networkOf(address: string): NetworkParams {
  for (const net of Object.values(networks)) {
    try {
      decodeAddress(address, net.address);
      return net;
    } catch {
      // not this network's
    }
  }
  return networks.main;
}
