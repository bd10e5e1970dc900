/**
 * Descriptor parsing and derivation against the BIPs' own test vectors, for the types this
 * wallet supports (wallet/descriptor-parse.ts). /work/shared/vectors has no descriptor vectors
 * (VECTORS_DIR is read first when it holds `descriptors.json`); these are copied from the BIP
 * texts (github.com/bitcoin/bips), each list citing its BIP's "Test Vectors" section:
 * every valid descriptor with the scripts it produces (for ranged ones the 0th, 1st and 2nd),
 * every invalid one refused with WalletError('BAD_INPUT').
 */
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { toHex } from '../node/protocol/bytes.js';
import { addChecksum } from '../wallet/descriptor.js';
import { BITCOIN_KEYS, deriveScript, isRanged, parseDescriptor } from '../wallet/descriptor-parse.js';
import { WalletError } from '../wallet/errors.js';

interface Vectors {
  valid: [string, string[]][];
  invalid: string[];
}

const VECTORS_DIR = process.env.VECTORS_DIR ?? join(import.meta.dirname, '../../shared/vectors');
const fromDir = join(VECTORS_DIR, 'descriptors.json');

const L4 = 'L4rK1yDtCWekvXuE6oXD9jCYfFNV2cWRpVuPLBcCU2z8TrisoyY1';
const K5 = '5KYZdUEo39z3FPrtuX2QbbwGnNP5zTd7yyr2SC1j299sBCnWjss';
const P03 = '03a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd';
const P04 =
  '04a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd5b8dec5235a0fa8722476c7709c02559e3aa73aa03918ba2d492eea75abea235';

/** BIP381 "Test Vectors" (pk, pkh, sh). */
const BIP381: Vectors = {
  valid: [
    [`pk(${L4})`, [`21${P03}ac`]],
    [`pk(${P03})`, [`21${P03}ac`]],
    [`pkh([deadbeef/1/2'/3/4']${L4})`, ['76a9149a1c78a507689f6f54b847ad1cef1e614ee23f1e88ac']],
    [`pkh([deadbeef/1/2'/3/4']${P03})`, ['76a9149a1c78a507689f6f54b847ad1cef1e614ee23f1e88ac']],
    [`pkh([deadbeef/1/2h/3/4h]${P03})`, ['76a9149a1c78a507689f6f54b847ad1cef1e614ee23f1e88ac']],
    [`pk(${K5})`, [`41${P04}ac`]],
    [`pk(${P04})`, [`41${P04}ac`]],
    [`pkh(${K5})`, ['76a914b5bd079c4d57cc7fc28ecf8213a6b791625b818388ac']],
    [`pkh(${P04})`, ['76a914b5bd079c4d57cc7fc28ecf8213a6b791625b818388ac']],
    [`sh(pk(${L4}))`, ['a9141857af51a5e516552b3086430fd8ce55f7c1a52487']],
    [`sh(pk(${P03}))`, ['a9141857af51a5e516552b3086430fd8ce55f7c1a52487']],
    [`sh(pkh(${L4}))`, ['a9141a31ad23bf49c247dd531a623c2ef57da3c400c587']],
    [`sh(pkh(${P03}))`, ['a9141a31ad23bf49c247dd531a623c2ef57da3c400c587']],
    [
      "pkh(xprv9s21ZrQH143K31xYSDQpPDxsXRTUcvj2iNHm5NUtrGiGG5e2DtALGdso3pGz6ssrdK4PFmM8NSpSBHNqPqm55Qn3LqFtT2emdEXVYsCzC2U/2147483647'/0)",
      ['76a914ebdc90806a9c4356c1c88e42216611e1cb4c1c1788ac'],
    ],
    [
      'pkh([bd16bee5/2147483647h]xpub69H7F5dQzmVd3vPuLKtcXJziMEQByuDidnX3YdwgtNsecY5HRGtAAQC5mXTt4dsv9RzyjgDjAQs9VGVV6ydYCHnprc9vvaA5YtqWyL6hyds/0)',
      ['76a914ebdc90806a9c4356c1c88e42216611e1cb4c1c1788ac'],
    ],
    [
      'pk(xprv9uPDJpEQgRQfDcW7BkF7eTya6RPxXeJCqCJGHuCJ4GiRVLzkTXBAJMu2qaMWPrS7AANYqdq6vcBcBUdJCVVFceUvJFjaPdGZ2y9WACViL4L/0)',
      ['210379e45b3cf75f9c5f9befd8e9506fb962f6a9d185ac87001ec44a8d3df8d4a9e3ac'],
    ],
    [
      'pk(xpub68NZiKmJWnxxS6aaHmn81bvJeTESw724CRDs6HbuccFQN9Ku14VQrADWgqbhhTHBaohPX4CjNLf9fq9MYo6oDaPPLPxSb7gwQN3ih19Zm4Y/0)',
      ['210379e45b3cf75f9c5f9befd8e9506fb962f6a9d185ac87001ec44a8d3df8d4a9e3ac'],
    ],
  ],
  invalid: [`pk(pk(${P03}))`, `pkh(pk(${P03}))`, `sh(${P03})`, `sh(sh(pkh(${P03})))`],
};

/** BIP382 "Test Vectors" (wpkh, wsh; the wsh(pk/pkh) ones need pk()/pkh() under wsh(), also supported). */
const BIP382: Vectors = {
  valid: [
    [`wpkh(${L4})`, ['00149a1c78a507689f6f54b847ad1cef1e614ee23f1e']],
    [`wpkh(${P03})`, ['00149a1c78a507689f6f54b847ad1cef1e614ee23f1e']],
    [
      "wpkh([ffffffff/13']xprv9vHkqa6EV4sPZHYqZznhT2NPtPCjKuDKGY38FBWLvgaDx45zo9WQRUT3dKYnjwih2yJD9mkrocEZXo1ex8G81dwSM1fwqWpWkeS3v86pgKt/1/2/0)",
      ['0014326b2249e3a25d5dc60935f044ee835d090ba859'],
    ],
    [
      "wpkh([ffffffff/13']xpub69H7F5d8KSRgmmdJg2KhpAK8SR3DjMwAdkxj3ZuxV27CprR9LgpeyGmXUbC6wb7ERfvrnKZjXoUmmDznezpbZb7ap6r1D3tgFxHmwMkQTPH/1/2/*)",
      [
        '0014326b2249e3a25d5dc60935f044ee835d090ba859',
        '0014af0bd98abc2f2cae66e36896a39ffe2d32984fb7',
        '00141fa798efd1cbf95cebf912c031b8a4a6e9fb9f27',
      ],
    ],
    [
      "sh(wpkh(xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi/10/20/30/40/*'))",
      [
        'a9149a4d9901d6af519b2a23d4a2f51650fcba87ce7b87',
        'a914bed59fc0024fae941d6e20a3b44a109ae740129287',
        'a9148483aa1116eb9c05c482a72bada4b1db24af654387',
      ],
    ],
    [
      'sh(wpkh(xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi/10/20/30/40/*h))',
      [
        'a9149a4d9901d6af519b2a23d4a2f51650fcba87ce7b87',
        'a914bed59fc0024fae941d6e20a3b44a109ae740129287',
        'a9148483aa1116eb9c05c482a72bada4b1db24af654387',
      ],
    ],
    [`wsh(pkh(${L4}))`, ['0020338e023079b91c58571b20e602d7805fb808c22473cbc391a41b1bd3a192e75b']],
    [`wsh(pkh(${P03}))`, ['0020338e023079b91c58571b20e602d7805fb808c22473cbc391a41b1bd3a192e75b']],
    [`wsh(pk(${L4}))`, ['00202e271faa2325c199d25d22e1ead982e45b64eeb4f31e73dbdf41bd4b5fec23fa']],
    [`wsh(pk(${P03}))`, ['00202e271faa2325c199d25d22e1ead982e45b64eeb4f31e73dbdf41bd4b5fec23fa']],
    [`sh(wsh(pkh(${L4})))`, ['a914b61b92e2ca21bac1e72a3ab859a742982bea960a87']],
    [`sh(wsh(pkh(${P03})))`, ['a914b61b92e2ca21bac1e72a3ab859a742982bea960a87']],
  ],
  invalid: [
    `wpkh(${K5})`,
    `sh(wpkh(${K5}))`,
    `wpkh(${P04})`,
    `sh(wpkh(${P04}))`,
    `wsh(pk(${K5}))`,
    `wsh(pk(${P04}))`,
    `wsh(wpkh(${P03}))`,
    `wsh(wsh(pkh(${P03})))`,
    `sh(wsh(wsh(pkh(${P03}))))`,
    `wpkh(wsh(pkh(${P03})))`,
    `wsh(${P03})`,
  ],
};

/** BIP383 "Test Vectors" (multi, sortedmulti; the ones with at most 3 keys and the wsh ones). */
const BIP383: Vectors = {
  valid: [
    [`multi(1,${L4},${K5})`, [`51${'21'}${P03}41${P04}52ae`]],
    [`multi(1,${P03},${P04})`, [`5121${P03}41${P04}52ae`]],
    [`sortedmulti(1,${P04},${P03})`, [`5121${P03}41${P04}52ae`]],
    [
      "sh(multi(2,[00000000/111'/222]xprvA1RpRA33e1JQ7ifknakTFpgNXPmW2YvmhqLQYMmrj4xJXXWYpDPS3xz7iAxn8L39njGVyuoseXzU6rcxFLJ8HFsTjSyQbLYnMpCqE2VbFWc,xprv9uPDJpEQgRQfDcW7BkF7eTya6RPxXeJCqCJGHuCJ4GiRVLzkTXBAJMu2qaMWPrS7AANYqdq6vcBcBUdJCVVFceUvJFjaPdGZ2y9WACViL4L/0))",
      ['a91445a9a622a8b0a1269944be477640eedc447bbd8487'],
    ],
    [
      'sortedmulti(2,xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL/*,xpub68NZiKmJWnxxS6aaHmn81bvJeTESw724CRDs6HbuccFQN9Ku14VQrADWgqbhhTHBaohPX4CjNLf9fq9MYo6oDaPPLPxSb7gwQN3ih19Zm4Y/0/0/*)',
      [
        '5221025d5fc65ebb8d44a5274b53bac21ff8307fec2334a32df05553459f8b1f7fe1b62102fbd47cc8034098f0e6a94c6aeee8528abf0a2153a5d8e46d325b7284c046784652ae',
        '52210264fd4d1f5dea8ded94c61e9641309349b62f27fbffe807291f664e286bfbe6472103f4ece6dfccfa37b211eb3d0af4d0c61dba9ef698622dc17eecdf764beeb005a652ae',
        '5221022ccabda84c30bad578b13c89eb3b9544ce149787e5b538175b1d1ba259cbb83321024d902e1a2fc7a8755ab5b694c575fce742c48d9ff192e63df5193e4c7afe1f9c52ae',
      ],
    ],
    [
      "wsh(multi(2,xprv9s21ZrQH143K31xYSDQpPDxsXRTUcvj2iNHm5NUtrGiGG5e2DtALGdso3pGz6ssrdK4PFmM8NSpSBHNqPqm55Qn3LqFtT2emdEXVYsCzC2U/2147483647'/0,xprv9vHkqa6EV4sPZHYqZznhT2NPtPCjKuDKGY38FBWLvgaDx45zo9WQRUT3dKYnjwih2yJD9mkrocEZXo1ex8G81dwSM1fwqWpWkeS3v86pgKt/1/2/*,xprv9s21ZrQH143K3QTDL4LXw2F7HEK3wJUD2nW2nRk4stbPy6cq3jPPqjiChkVvvNKmPGJxWUtg6LnF5kejMRNNU3TGtRBeJgk33yuGBxrMPHi/10/20/30/40/*'))",
      [
        '0020b92623201f3bb7c3771d45b2ad1d0351ea8fbf8cfe0a0e570264e1075fa1948f',
        '002036a08bbe4923af41cf4316817c93b8d37e2f635dd25cfff06bd50df6ae7ea203',
        '0020a96e7ab4607ca6b261bfe3245ffda9c746b28d3f59e83d34820ec0e2b36c139c',
      ],
    ],
  ],
  invalid: [`multi(a,${P03},${P04})`, `multi(0,${P03},${P04})`, `multi(3,${L4},${K5})`],
};

/** BIP386 "Test Vectors" (tr key path; the ones with a script tree are refused here, unsupported). */
const BIP386: Vectors = {
  valid: [
    [
      'tr(a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd)',
      ['512077aab6e066f8a7419c5ab714c12c67d25007ed55a43cadcacb4d7a970a093f11'],
    ],
    [`tr(${L4})`, ['512077aab6e066f8a7419c5ab714c12c67d25007ed55a43cadcacb4d7a970a093f11']],
  ],
  invalid: [
    `tr(${K5})`,
    `tr(${P04})`,
    'wsh(tr(a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd))',
    'sh(tr(a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd))',
    `tr(a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd, pkh(${L4}))`,
    // Valid in BIP386, but script trees are not supported: refused, not misread as key path.
    'tr(a34b99f22c790c4e36b2b3c2c35a36db06226e41c692fc82b8b56ac1c540c5bd,pk(669b8afcec803a0d323e9a17f3ea8e68e8abe5a278020a929adbec52421adbd0))',
  ],
};

const SETS: Record<string, Vectors> = existsSync(fromDir)
  ? (JSON.parse(readFileSync(fromDir, 'utf8')) as Record<string, Vectors>)
  : { BIP381, BIP382, BIP383, BIP386 };

function refused(text: string): boolean {
  try {
    const d = parseDescriptor(text, BITCOIN_KEYS);
    deriveScript(d, 0);
    return false;
  } catch (e) {
    if (e instanceof WalletError && e.code === 'BAD_INPUT') return true;
    throw e;
  }
}

describe.each(Object.entries(SETS))('%s vectors', (_name, v) => {
  it.each(v.valid)('%s', (text, scripts) => {
    // The same with a BIP380 checksum, which is then checked.
    for (const t of [text, addChecksum(text)]) {
      const d = parseDescriptor(t, BITCOIN_KEYS);
      const got = scripts.map((_, i) => toHex(deriveScript(d, i).script));
      expect(got).toEqual(scripts);
      expect(isRanged(d)).toBe(scripts.length > 1);
    }
  });
  it('refuses the invalid ones', () => {
    for (const bad of v.invalid) expect({ bad, refused: refused(bad) }).toEqual({ bad, refused: true });
  });
});

describe('BIP389 multipath and checksums on import', () => {
  const XPUB =
    'xpub6ERApfZwUNrhLCkDtcHTcxd75RbzS1ed54G1LkBUHQVHQKqhMkhgbmJbZRkrgZw4koxb5JaHWkY4ALHY2grBGRjaDMzQLcgJvLJuZZvRcEL';
  it('a <0;1> step derives the receive and the change descriptor', () => {
    const multi = parseDescriptor(`wpkh(${XPUB}/<0;1>/*)`, BITCOIN_KEYS);
    for (const [alt, chain] of [
      [0, 0],
      [1, 1],
    ] as const) {
      const single = parseDescriptor(`wpkh(${XPUB}/${chain}/*)`, BITCOIN_KEYS);
      expect(toHex(deriveScript(multi, 5, alt).script)).toBe(toHex(deriveScript(single, 5).script));
    }
  });
  it('a wrong checksum is refused; a missing one when required', () => {
    const good = addChecksum(`wpkh(${XPUB}/0/*)`);
    const flipped = `${good.slice(0, -1)}${good.endsWith('q') ? 'p' : 'q'}`;
    expect(() => parseDescriptor(flipped, BITCOIN_KEYS)).toThrow(/checksum/);
    expect(() => parseDescriptor(`wpkh(${XPUB}/0/*)`, BITCOIN_KEYS, true)).toThrow(/no checksum/);
    expect(() => parseDescriptor(`wpkh(${XPUB}/0'/*)`, BITCOIN_KEYS)).toThrow(/hardened/);
  });
});
