/**
 * Address, WIF and output-template vectors: BIP173 and BIP350 (segwit addresses, HRPs bc/tb),
 * Bitcoin Core's src/test/data/key_io_valid.json (base58, bech32(m), WIF on main, testnet,
 * signet, regtest), well-known mainnet examples, and fast-check properties.
 */
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  type AddressParams,
  base58checkEncode,
  decodeAddress,
  encodeAddress,
} from '../node/protocol/address.js';
import { concat, fromHex, toHex } from '../node/protocol/bytes.js';
import { EncodingError } from '../node/protocol/errors.js';
import { main, regtest } from '../node/protocol/params.js';
import { pushBytes } from '../node/protocol/script/script.js';
import {
  classifyOutput,
  encodeMinimalPush,
  isPayToScriptHash,
  multisig,
  nullData,
  p2pk,
  p2pkh,
  p2sh,
  p2tr,
  p2wpkh,
  p2wsh,
  witnessProgram,
  witnessProgramOf,
} from '../node/protocol/script/templates.js';
import { decodeWif, encodeWif, SECP256K1_ORDER } from '../node/protocol/wif.js';

const BITCOIN: AddressParams = { bech32: 'bc', pubkeyHash: 0, scriptHash: 5, wif: 0x80 };
const TESTNET: AddressParams = { bech32: 'tb', pubkeyHash: 111, scriptHash: 196, wif: 0xef };
const REGTEST: AddressParams = regtest.address;
const BY_HRP: Record<string, AddressParams> = { bc: BITCOIN, tb: TESTNET };

function paramsFor(addr: string): AddressParams {
  const p = BY_HRP[addr.toLowerCase().slice(0, 2)];
  if (!p) throw new Error(`no params for ${addr}`);
  return p;
}

function expectBad(fn: () => unknown, code: 'BAD_ADDRESS' | 'BAD_KEY', message?: RegExp): void {
  try {
    fn();
  } catch (e) {
    expect(e).toBeInstanceOf(EncodingError);
    expect((e as EncodingError).code).toBe(code);
    if (message) expect((e as Error).message).toMatch(message);
    return;
  }
  expect.fail('did not throw');
}

describe('BIP350 segwit address vectors', () => {
  // bips/bip-0350.mediawiki, "Test vectors for v0-v16 native segregated witness addresses".
  const valid: [string, string][] = [
    ['BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', '0014751e76e8199196d454941c45d1b3a323f1433bd6'],
    [
      'tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7',
      '00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262',
    ],
    [
      'bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kt5nd6y',
      '5128751e76e8199196d454941c45d1b3a323f1433bd6751e76e8199196d454941c45d1b3a323f1433bd6',
    ],
    ['BC1SW50QGDZ25J', '6002751e'],
    ['bc1zw508d6qejxtdg4y5r3zarvaryvaxxpcs', '5210751e76e8199196d454941c45d1b3a323'],
    [
      'tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy',
      '0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433',
    ],
    [
      'tb1pqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesf3hn0c',
      '5120000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433',
    ],
    [
      'bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqzk5jj0',
      '512079be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798',
    ],
  ];
  it.each(valid)('decodes %s', (addr, hex) => {
    const params = paramsFor(addr);
    expect(toHex(decodeAddress(addr, params))).toBe(hex);
    expect(encodeAddress(fromHex(hex), params)).toBe(addr.toLowerCase());
  });

  const invalid: [string, string][] = [
    ['tc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq5zuyut', 'invalid human-readable part'],
    ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqh2y7hd', 'bech32 instead of bech32m'],
    ['tb1z0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vqglt7rf', 'bech32 instead of bech32m'],
    ['BC1S0XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ54WELL', 'bech32 instead of bech32m'],
    ['bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kemeawh', 'bech32m instead of bech32'],
    ['tb1q0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq24jc47', 'bech32m instead of bech32'],
    ['bc1p38j9r5y49hruaue7wxjce0updqjuyyx0kh56v8s25huc6995vvpql3jow4', 'invalid character in checksum'],
    ['BC130XLXVLHEMJA6C4DQV22UAPCTQUPFHLXM9H8Z3K2E72Q4K9HCZ7VQ7ZWS8R', 'invalid witness version'],
    ['bc1pw5dgrnzv', 'program length 1'],
    ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v8n0nx0muaewav253zgeav', 'program length 41'],
    ['BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P', 'v0 program length'],
    ['tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vq47Zagq', 'mixed case'],
    ['bc1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7v07qwwzcrf', 'zero padding of more than 4 bits'],
    ['tb1p0xlxvlhemja6c4dqv22uapctqupfhlxm9h8z3k2e72q4k9hcz7vpggkg4j', 'non-zero padding'],
    ['bc1gmk9yu', 'empty data section'],
  ];
  it.each(invalid)('rejects %s (%s)', (addr) => {
    for (const params of [BITCOIN, TESTNET, main.address, regtest.address]) {
      expectBad(() => decodeAddress(addr, params), 'BAD_ADDRESS');
    }
  });

  it('names the failing rule', () => {
    expectBad(() => decodeAddress(invalid[1]![0], BITCOIN), 'BAD_ADDRESS', /must use the bech32m checksum/);
    expectBad(() => decodeAddress(invalid[4]![0], BITCOIN), 'BAD_ADDRESS', /must use the bech32 checksum/);
    expectBad(() => decodeAddress(invalid[7]![0], BITCOIN), 'BAD_ADDRESS', /witness version 17/);
    expectBad(() => decodeAddress(invalid[8]![0], BITCOIN), 'BAD_ADDRESS', /1 bytes/);
    expectBad(() => decodeAddress(invalid[10]![0], BITCOIN), 'BAD_ADDRESS', /v0 program size \(16 bytes\)/);
    expectBad(() => decodeAddress(invalid[11]![0], TESTNET), 'BAD_ADDRESS', /mixed case/);
    expectBad(() => decodeAddress(invalid[13]![0], TESTNET), 'BAD_ADDRESS', /padding/);
    expectBad(() => decodeAddress(invalid[14]![0], BITCOIN), 'BAD_ADDRESS', /empty/);
    expectBad(() => decodeAddress(invalid[0]![0], BITCOIN), 'BAD_ADDRESS', /prefix 'tc', expected 'bc'/);
  });
});

describe('BIP173 segwit address vectors', () => {
  // bips/bip-0173.mediawiki, "Test vectors" (segwit addresses).
  it.each([
    ['BC1QW508D6QEJXTDG4Y5R3ZARVARY0C5XW7KV8F3T4', '0014751e76e8199196d454941c45d1b3a323f1433bd6'],
    [
      'tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sl5k7',
      '00201863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262',
    ],
    [
      'tb1qqqqqp399et2xygdj5xreqhjjvcmzhxw4aywxecjdzew6hylgvsesrxh6hy',
      '0020000000c4a5cad46221b2a187905e5266362b99d5e91c6ce24d165dab93e86433',
    ],
  ])('v0 %s stays valid', (addr, hex) => {
    expect(toHex(decodeAddress(addr, paramsFor(addr)))).toBe(hex);
  });

  // BIP173's valid v1+ examples use the bech32 checksum, which BIP350 replaced for v1+.
  it.each([
    'bc1pw508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7k7grplx',
    'BC1SW50QA3JX3S',
    'bc1zw508d6qejxtdg4y5r3zarvaryvg6kdaj',
  ])('v1+ with a bech32 checksum %s is rejected since BIP350', (addr) => {
    expectBad(() => decodeAddress(addr, BITCOIN), 'BAD_ADDRESS', /bech32m/);
  });

  it.each([
    'tc1qw508d6qejxtdg4y5r3zarvary0c5xw7kg3g4ty',
    'bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5',
    'BC13W508D6QEJXTDG4Y5R3ZARVARY0C5XW7KN40WF2',
    'bc1rw5uspcuh',
    'bc10w508d6qejxtdg4y5r3zarvary0c5xw7kw508d6qejxtdg4y5r3zarvary0c5xw7kw5rljs90',
    'BC1QR508D6QEJXTDG4Y5R3ZARVARYV98GJ9P',
    'tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3q0sL5k7',
    'bc1zw508d6qejxtdg4y5r3zarvaryvqyzf3du',
    'tb1qrp33g0q5c5txsp9arysrx4k6zdkfs4nce4xj0gdcccefvpysxf3pjxtptv',
    'bc1gmk9yu',
  ])('rejects %s', (addr) => {
    for (const params of [BITCOIN, TESTNET]) expectBad(() => decodeAddress(addr, params), 'BAD_ADDRESS');
  });

  it('reports a bad checksum as such', () => {
    expectBad(
      () => decodeAddress('bc1qw508d6qejxtdg4y5r3zarvary0c5xw7kv8f3t5', BITCOIN),
      'BAD_ADDRESS',
      /checksum/,
    );
  });
});

describe("Bitcoin Core's key_io_valid.json (selection)", () => {
  // src/test/data/key_io_valid.json: [string, scriptPubKey or key hex, chain]. Testnet4 and
  // signet share the base58 versions 111/196/0xef and the HRP tb.
  const chains: Record<string, AddressParams> = {
    main: BITCOIN,
    testnet4: TESTNET,
    signet: TESTNET,
    regtest: REGTEST,
  };
  const addresses: [string, string, string][] = [
    ['1FsSia9rv4NeEwvJ2GvXrX7LyxYspbN2mo', '76a914a31c06bd463e3923bc1aadbde48b16976c08071788ac', 'main'],
    ['36j4NfKv6Akva9amjWrLG6MuSQym1GuEmm', 'a914373b819a068f32b7a6b38b6b38729647cfde01c287', 'main'],
    ['mzK2FFDEhxqHcmrJw1ysqFkVyhUULo45hZ', '76a914ce28b26c57472737f5c3561a1761185bd8589a4388ac', 'testnet4'],
    ['2NC2hEhe28ULKAJkW5MjZ3jtTMJdvXmByvK', 'a914ce0bba75891ff9ec60148d4bd4a09ee2dc5c933187', 'testnet4'],
    ['mww4LvqtTMKvmeQvizPz2EQv26xTneWrbg', '76a914b4110ba93ac54afc14da3bdd19614774a2d55d2988ac', 'signet'],
    ['n4fajahJrAuKbN7uNsKjLjQkz9Qn5ewJXQ', '76a914fdeca3b08e38af53d7c4c60e3ad208ce5066441088ac', 'regtest'],
    ['2MxFajLApXpYk4VodBSZSt7rw8y4ryABkfA', 'a91436e9f191e0b75036a77f65e2eaa4752443233fbe87', 'regtest'],
    ['mfhE6jAUwjUDNZhaX1PAsDTKfneQF2Nshc', '76a91401f15a4cc063dae4f4d56b89bfbc8bcc9ae5387c88ac', 'regtest'],
    ['2MxNm1VHyVU4RuP3u1c1v5aQLk2dQjwy1Qk', 'a91438456f7c076356abadcc67b92ad777eb20fb9f8887', 'regtest'],
    ['bc1qvyq0cc6rahyvsazfdje0twl7ez82ndmuac2lhv', '00146100fc6343edc8c874496cb2f5bbfec88ea9b77c', 'main'],
    [
      'bc1qyucykdlhp62tezs0hagqury402qwhk589q80tqs5myh3rxq34nwqhkdhv7',
      '002027304b37f70e94bc8a0fbf500e0c957a80ebda87280ef58214d92f119811acdc',
      'main',
    ],
    [
      'bc1p83n3au0rjylefxq2nc2xh2y4jzz4pm6zxj4mw5pagdjjr2a9f36s6jjnnu',
      '51203c671ef1e3913f94980a9e146ba895908550ef4234abb7503d436521aba54c75',
      'main',
    ],
    ['bc1z2rksukkjr8', '520250ed', 'main'],
    ['tb1rgv5m6uvdk3kc7qsuz0c79v88ycr5w4wa', '53104329bd718db46d8f021c13f1e2b0e726', 'testnet4'],
    [
      'bcrt1qdavt4j2sd7dlhqsavtnfxvzppw6k7qy97tmnu9',
      '00146f58bac9506f9bfb821d62e69330410bb56f0085',
      'regtest',
    ],
    [
      'bcrt1qan8gntac7z7me2ejt4hpru42ad2f759fmy0m3ejvs98656znv7eqga4uhv',
      '0020ecce89afb8f0bdbcab325d6e11f2aaeb549f50a9d91fb8e64c814faa685367b2',
      'regtest',
    ],
    [
      'bcrt1pfwxjqvtt4tcxrtdluukfmy2dv7xd2qzdfy6kajv5nwn4yam3wxkq3553uh',
      '51204b8d20316baaf061adbfe72c9d914d678cd5004d49356ec9949ba752777171ac',
      'regtest',
    ],
    [
      'bcrt1sx6p8njlx7h9mc2agz4yg82dzne23050ncq72cneeecez2pst8mahn8xecsf8g6hzx94420',
      '6028368279cbe6f5cbbc2ba8154883a9a29e5517d1f3c03cac4f39ce3225060b3efb799cd9c412746ae2',
      'regtest',
    ],
  ];
  it.each(addresses)('%s', (addr, hex, chain) => {
    const params = chains[chain]!;
    expect(toHex(decodeAddress(addr, params))).toBe(hex);
    expect(encodeAddress(fromHex(hex), params)).toBe(addr);
    // tryCaseFlip: bech32 addresses decode in upper case too.
    if (!/^[123mn]/.test(addr)) expect(toHex(decodeAddress(addr.toUpperCase(), params))).toBe(hex);
  });

  const keys: [string, string, boolean, string][] = [
    [
      '5JuW2AMDYu4xVwRG9DZW18VbzQrGcd5RCgb99sS6ehJsNQXu5b9',
      '8f8943bf956de595665c38ffff23827e17c10cdc1c27a028caae6c9810626198',
      false,
      'main',
    ],
    [
      'L5nJeqKmpHp4P7F8ZYyjwc5a7P4d8EabuGAzfGJk7yC1BJyzNaEd',
      'ff778740f88ddcf102aeb81daee289c044c4a4571c4b6f287400f4b8e0b843f8',
      true,
      'main',
    ],
    [
      '92ZdE5HoLafywnTBbzPxbvRmp75pSfzvdU3XaZGh1cToipgdHVh',
      '80c32d81e91bdea04cd7a3819b32275fc3298af4c7ec87eb0099527d041ced5c',
      false,
      'testnet4',
    ],
    [
      'cV83kKisF3RQSvXbUCm9ox3kaz5JjEUBWcx8tNydfGJcyeUxuH47',
      'e0fcd4ce4e3d0e3de091f21415bb7cd011fac288c42020a879f28c2a4387df9b',
      true,
      'testnet4',
    ],
    [
      '91mn1wYKEB1zyof1VFm8tMtocZx1oBrKKRCu9GCpgZvPmBLEJjp',
      '18a86e5a6c6977ddba0daca7fba5190f67ba56ccdc1b3f31308972236c2e4776',
      false,
      'regtest',
    ],
    [
      'cPisAUdLvqqAr6MYtXnrWvgvyUAwuNyuTvZkDGw6miPhZdaiSDNH',
      '3fdfec1371cedcdb8c190ca6ff8ad603f817edc0d93c2a687c7b36dd66e70f2a',
      true,
      'regtest',
    ],
  ];
  it.each(keys)('WIF %s', (wif, hex, compressed, chain) => {
    const prefix = chains[chain]!.wif;
    const got = decodeWif(wif, prefix);
    expect(toHex(got.key)).toBe(hex);
    expect(got.compressed).toBe(compressed);
    expect(encodeWif(fromHex(hex), compressed, prefix)).toBe(wif);
  });
});

describe('base58check addresses', () => {
  it.each([
    ['1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2', '76a91477bff20c60e522dfaa3350c39b030a5d004e839a88ac'],
    ['3J98t1WpEZ73CNmQviecrnyiWrnqRhWNLy', 'a914b472a266d0bd89c13706a4132ccfb16f7c3b9fcb87'],
    ['1111111111111111111114oLvT2', '76a914000000000000000000000000000000000000000088ac'],
  ])('%s', (addr, hex) => {
    expect(toHex(decodeAddress(addr, BITCOIN))).toBe(hex);
    expect(encodeAddress(fromHex(hex), BITCOIN)).toBe(addr);
  });

  it('rejects a bad checksum', () => {
    expectBad(() => decodeAddress('1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN3', BITCOIN), 'BAD_ADDRESS', /checksum/);
  });

  it('rejects characters outside the base58 alphabet', () => {
    expectBad(() => decodeAddress('1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN0', BITCOIN), 'BAD_ADDRESS', /'0'/);
    expectBad(() => decodeAddress('1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVNl', BITCOIN), 'BAD_ADDRESS');
  });

  it('rejects a wrong payload length with our version byte', () => {
    const addr = base58checkEncode(concat(Uint8Array.of(0), new Uint8Array(19)));
    expectBad(() => decodeAddress(addr, BITCOIN), 'BAD_ADDRESS', /invalid length/);
  });

  it('rejects an unknown version byte, naming both', () => {
    const addr = base58checkEncode(concat(Uint8Array.of(42), new Uint8Array(20)));
    expectBad(
      () => decodeAddress(addr, BITCOIN),
      'BAD_ADDRESS',
      /version byte 42, expected 0 \(P2PKH\) or 5 \(P2SH\)/,
    );
  });

  it('rejects empty, overlong and non-string input', () => {
    expectBad(() => decodeAddress('', BITCOIN), 'BAD_ADDRESS');
    expectBad(() => decodeAddress('1'.repeat(500), BITCOIN), 'BAD_ADDRESS', /too long/);
    expectBad(() => decodeAddress(42 as unknown as string, BITCOIN), 'BAD_ADDRESS');
  });
});

describe('our networks', () => {
  const hash20 = fromHex('77bff20c60e522dfaa3350c39b030a5d004e839a');
  const hash32 = fromHex('1863143c14c5166804bd19203356da136c985678cd4d27a1b8c6329604903262');
  const scripts = [
    p2pkh(hash20),
    p2sh(hash20),
    p2wpkh(hash20),
    p2wsh(hash32),
    p2tr(hash32),
    witnessProgram(16, hash20),
  ];

  it('main addresses look like ours and round-trip', () => {
    const [pkh, sh, wpkh, wsh, tr, v16] = scripts.map((s) => encodeAddress(s, main.address)!);
    expect(pkh).toMatch(/^G/);
    expect(sh).toMatch(/^b/);
    expect(wpkh).toMatch(/^gl1q/);
    expect(wsh).toMatch(/^gl1q/);
    expect(tr).toMatch(/^gl1p/);
    expect(v16).toMatch(/^gl1s/);
    for (const s of scripts) expect(decodeAddress(encodeAddress(s, main.address)!, main.address)).toEqual(s);
  });

  it('regtest addresses are Bitcoin regtest addresses', () => {
    expect(encodeAddress(p2pkh(hash20), regtest.address)).toMatch(/^[mn]/);
    expect(encodeAddress(p2sh(hash20), regtest.address)).toMatch(/^2/);
    expect(encodeAddress(p2wpkh(hash20), regtest.address)).toMatch(/^bcrt1q/);
    for (const s of scripts)
      expect(decodeAddress(encodeAddress(s, regtest.address)!, regtest.address)).toEqual(s);
  });

  it('rejects addresses of another network, saying which', () => {
    for (const s of scripts) {
      const reg = encodeAddress(s, regtest.address)!;
      const mainAddr = encodeAddress(s, main.address)!;
      expectBad(() => decodeAddress(reg, main.address), 'BAD_ADDRESS', /another network/);
      expectBad(() => decodeAddress(mainAddr, regtest.address), 'BAD_ADDRESS', /another network/);
      expectBad(() => decodeAddress(mainAddr, BITCOIN), 'BAD_ADDRESS', /another network/);
    }
    expectBad(
      () => decodeAddress(encodeAddress(p2wpkh(hash20), regtest.address)!, main.address),
      'BAD_ADDRESS',
      /prefix 'bcrt', expected 'gl'/,
    );
    expectBad(
      () => decodeAddress(encodeAddress(p2pkh(hash20), regtest.address)!, main.address),
      'BAD_ADDRESS',
      /version byte 111, expected 38 \(P2PKH\) or 85 \(P2SH\)/,
    );
    expectBad(
      () => decodeAddress('1BvBMSEYstWetqTFn5Au4m4GFg7xJaNVN2', main.address),
      'BAD_ADDRESS',
      /another network/,
    );
  });

  it('has no address for scripts without one', () => {
    const key = fromHex(`02${'11'.repeat(32)}`);
    for (const s of [
      p2pk(key),
      multisig(1, [key]),
      nullData(new Uint8Array(4)),
      new Uint8Array(0),
      fromHex('0003aabbcc'),
      fromHex(`0019${'00'.repeat(25)}`),
    ]) {
      expect(encodeAddress(s, main.address)).toBeNull();
    }
  });
});

describe('WIF', () => {
  const key = '0c28fca386c7a227600b2fe50b7cae11ec86d3bf1fbe471be89827e19d72aa1d';
  // en.bitcoin.it/wiki/Wallet_import_format.
  it('encodes and decodes the well-known mainnet pair', () => {
    expect(encodeWif(fromHex(key), false, 0x80)).toBe('5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ');
    expect(encodeWif(fromHex(key), true, 0x80)).toBe('KwdMAjGmerYanjeui5SHS7JkmpZvVipYvB2LJGU1ZxJwYvP98617');
    expect(decodeWif('5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dZ1jvhTVqvbTLvyTJ', 0x80)).toEqual({
      key: fromHex(key),
      compressed: false,
    });
    expect(decodeWif('KwdMAjGmerYanjeui5SHS7JkmpZvVipYvB2LJGU1ZxJwYvP98617', 0x80)).toEqual({
      key: fromHex(key),
      compressed: true,
    });
  });

  it('round-trips on our networks and rejects the other network', () => {
    for (const compressed of [false, true]) {
      const m = encodeWif(fromHex(key), compressed, main.address.wif);
      const r = encodeWif(fromHex(key), compressed, regtest.address.wif);
      expect(decodeWif(m, main.address.wif)).toEqual({ key: fromHex(key), compressed });
      expect(decodeWif(r, regtest.address.wif)).toEqual({ key: fromHex(key), compressed });
      expectBad(() => decodeWif(m, regtest.address.wif), 'BAD_KEY', /prefix 0xa6, expected 0xef/);
      expectBad(() => decodeWif(r, main.address.wif), 'BAD_KEY', /another network/);
    }
  });

  it('rejects keys out of range', () => {
    const order = fromHex(SECP256K1_ORDER.toString(16));
    const orderMinus1 = fromHex((SECP256K1_ORDER - 1n).toString(16));
    for (const bad of [new Uint8Array(32), order, new Uint8Array(32).fill(0xff)]) {
      for (const flag of [[], [1]]) {
        const wif = base58checkEncode(concat(Uint8Array.of(0x80), bad, Uint8Array.from(flag)));
        expectBad(() => decodeWif(wif, 0x80), 'BAD_KEY', /out of range/);
      }
      expectBad(() => encodeWif(bad, true, 0x80), 'BAD_KEY', /out of range/);
    }
    expect(decodeWif(encodeWif(orderMinus1, true, 0x80), 0x80).key).toEqual(orderMinus1);
  });

  it('rejects bad flags, lengths and checksums', () => {
    const k = fromHex(key);
    const flag2 = base58checkEncode(concat(Uint8Array.of(0x80), k, Uint8Array.of(2)));
    expectBad(() => decodeWif(flag2, 0x80), 'BAD_KEY', /compression flag/);
    const short = base58checkEncode(concat(Uint8Array.of(0x80), k.subarray(1)));
    expectBad(() => decodeWif(short, 0x80), 'BAD_KEY', /length/);
    // A corrupted copy of the wiki's key (it circulates; its checksum does not match).
    expectBad(
      () => decodeWif('5HueCGU8rMjxEXxiPuD5BDku4MkFqeZyd4dp1ZD6udhMZ7vKCPw', 0x80),
      'BAD_KEY',
      /checksum/,
    );
    expectBad(() => decodeWif('', 0x80), 'BAD_KEY');
    expectBad(() => encodeWif(k.subarray(1), true, 0x80), 'BAD_KEY', /32 bytes/);
  });
});

describe('output templates', () => {
  const h20 = fromHex('751e76e8199196d454941c45d1b3a323f1433bd6');
  const h32 = fromHex('79be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798');
  const k33 = fromHex('0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798');
  const k65 = fromHex(
    '0479be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798483ada7726a3c4655da4fbfc0e1108a8fd17b448a68554199c47d08ffb10d4b8',
  );

  it('builds byte-exact scripts', () => {
    expect(toHex(p2pkh(h20))).toBe(`76a914${toHex(h20)}88ac`);
    expect(toHex(p2sh(h20))).toBe(`a914${toHex(h20)}87`);
    expect(toHex(p2wpkh(h20))).toBe(`0014${toHex(h20)}`);
    expect(toHex(p2wsh(h32))).toBe(`0020${toHex(h32)}`);
    expect(toHex(p2tr(h32))).toBe(`5120${toHex(h32)}`);
    expect(toHex(witnessProgram(16, h20.subarray(0, 2)))).toBe('6002751e');
    expect(toHex(p2pk(k33))).toBe(`21${toHex(k33)}ac`);
    expect(toHex(p2pk(k65))).toBe(`41${toHex(k65)}ac`);
    expect(toHex(multisig(1, [k33, k65]))).toBe(`5121${toHex(k33)}41${toHex(k65)}52ae`);
    expect(toHex(multisig(17, Array(17).fill(k33))).slice(0, 4)).toBe('0111');
    expect(toHex(nullData(fromHex('deadbeef')))).toBe('6a04deadbeef');
    expect(toHex(nullData(new Uint8Array(0)))).toBe('6a00');
    expect(toHex(nullData(Uint8Array.of(5)))).toBe('6a55');
    expect(toHex(nullData(new Uint8Array(80))).slice(0, 6)).toBe('6a4c50');
  });

  it('encodes pushes', () => {
    expect(toHex(pushBytes(Uint8Array.of(4)))).toBe('0104');
    expect(toHex(encodeMinimalPush(Uint8Array.of(4)))).toBe('54');
    expect(toHex(encodeMinimalPush(Uint8Array.of(0x81)))).toBe('4f');
    expect(toHex(pushBytes(new Uint8Array(256))).slice(0, 6)).toBe('4d0001');
    expect(toHex(pushBytes(new Uint8Array(0x10000))).slice(0, 10)).toBe('4e00000100');
  });

  it('rejects bad builder arguments', () => {
    expect(() => p2pkh(new Uint8Array(21))).toThrow(RangeError);
    expect(() => p2wsh(h20)).toThrow(RangeError);
    expect(() => witnessProgram(17, h20)).toThrow(RangeError);
    expect(() => witnessProgram(1, new Uint8Array(41))).toThrow(RangeError);
    expect(() => p2pk(k33.subarray(1))).toThrow(RangeError);
    expect(() => multisig(2, [k33])).toThrow(RangeError);
    expect(() => multisig(1, Array(21).fill(k33))).toThrow(RangeError);
  });

  const cases: [string, string, unknown][] = [
    ['p2pkh', `76a914${toHex(h20)}88ac`, { type: 'p2pkh', hash: h20 }],
    ['p2sh', `a914${toHex(h20)}87`, { type: 'p2sh', hash: h20 }],
    ['p2wpkh', `0014${toHex(h20)}`, { type: 'p2wpkh', hash: h20 }],
    ['p2wsh', `0020${toHex(h32)}`, { type: 'p2wsh', hash: h32 }],
    ['p2tr', `5120${toHex(h32)}`, { type: 'p2tr', key: h32 }],
    ['v1 20 bytes', `5114${toHex(h20)}`, { type: 'witness_unknown', version: 1, program: h20 }],
    ['v16 2 bytes', '6002751e', { type: 'witness_unknown', version: 16, program: fromHex('751e') }],
    ['pay-to-anchor', '51024e73', { type: 'witness_unknown', version: 1, program: fromHex('4e73') }],
    ['v0 other size', `0015${toHex(h20)}00`, { type: 'nonstandard' }],
    ['p2pk 33', `21${toHex(k33)}ac`, { type: 'p2pk', pubkey: k33 }],
    ['p2pk 65', `41${toHex(k65)}ac`, { type: 'p2pk', pubkey: k65 }],
    ['p2pk bad prefix', `21${toHex(k65.subarray(0, 33))}ac`, { type: 'nonstandard' }],
    [
      'multisig 1-of-2',
      `5121${toHex(k33)}41${toHex(k65)}52ae`,
      { type: 'multisig', m: 1, pubkeys: [k33, k65] },
    ],
    ['multisig via PUSHDATA1 key', `514c21${toHex(k33)}51ae`, { type: 'multisig', m: 1, pubkeys: [k33] }],
    ['multisig n != count', `5121${toHex(k33)}52ae`, { type: 'nonstandard' }],
    ['multisig m > n', `5221${toHex(k33)}51ae`, { type: 'nonstandard' }],
    ['multisig m as push', `0101${'21'}${toHex(k33)}51ae`, { type: 'nonstandard' }],
    ['multisig trailing op', `5121${toHex(k33)}5161ae`, { type: 'nonstandard' }],
    ['nulldata empty', '6a', { type: 'nulldata', pushes: [] }],
    [
      'nulldata pushes',
      '6a04deadbeef00514f50',
      {
        type: 'nulldata',
        pushes: [fromHex('deadbeef'), new Uint8Array(0), Uint8Array.of(1), Uint8Array.of(0x81)],
      },
    ],
    ['nulldata + non-push', '6a04deadbeef61', { type: 'nonstandard' }],
    ['nulldata truncated push', '6a05deadbeef', { type: 'nonstandard' }],
    ['empty', '', { type: 'nonstandard' }],
    ['p2sh with PUSHDATA1', `a94c14${toHex(h20)}87`, { type: 'nonstandard' }],
  ];
  it.each(cases)('classifies %s', (_name, hex, want) => {
    expect(classifyOutput(fromHex(hex))).toEqual(want);
  });

  it('classifies 17..20-key multisig with pushed numbers, as Core 26+', () => {
    const keys = Array(20).fill(k33) as Uint8Array[];
    expect(classifyOutput(multisig(18, keys))).toEqual({ type: 'multisig', m: 18, pubkeys: keys });
  });

  it('matches Core on witness programs and P2SH', () => {
    expect(witnessProgramOf(fromHex('0002aabb'))).toEqual({ version: 0, program: fromHex('aabb') });
    expect(witnessProgramOf(fromHex('0001aa'))).toBeNull();
    expect(witnessProgramOf(fromHex(`5129${'00'.repeat(41)}`))).toBeNull();
    expect(witnessProgramOf(fromHex('4f02aabb'))).toBeNull();
    expect(isPayToScriptHash(p2sh(h20))).toBe(true);
    expect(isPayToScriptHash(p2sh(h20).subarray(0, 22))).toBe(false);
  });
});

describe('properties', () => {
  const nets = [BITCOIN, TESTNET, main.address, regtest.address];
  const onlyEncodingErrors = (fn: () => unknown, code: string): boolean => {
    try {
      fn();
    } catch (e) {
      return e instanceof EncodingError && e.code === code;
    }
    return true;
  };

  it('decodeAddress throws only EncodingError(BAD_ADDRESS) on arbitrary strings', () => {
    const alphabet = fc.constantFrom(
      ...'qpzry9x8gf2tvdw0s3jn54khce6mua7lQPZRYX1bcrtgBCRTGL123456789ABCDEFHJKMN!é '.split(''),
    );
    fc.assert(
      fc.property(
        fc.oneof(fc.string(), fc.string({ unit: alphabet, maxLength: 100 }), fc.string({ unit: 'binary' })),
        (s) => nets.every((p) => onlyEncodingErrors(() => decodeAddress(s, p), 'BAD_ADDRESS')),
      ),
      { numRuns: 2000 },
    );
  });

  it('decodeAddress throws only EncodingError on mutated valid addresses', () => {
    const h = fc.uint8Array({ minLength: 20, maxLength: 32 });
    fc.assert(
      fc.property(h, fc.nat(), fc.nat(), (bytes, pos, ch) => {
        const script = bytes.length === 20 ? p2wpkh(bytes) : p2pkh(bytes.subarray(0, 20));
        const addr = encodeAddress(script, main.address)!;
        const i = pos % addr.length;
        const chars = 'qpzry9x8gf2tvdw0s3jn54khce6mua7l123456789ABCDEFGHJKLMNPQRSTUVWXYZ';
        const mutated = addr.slice(0, i) + chars[ch % chars.length] + addr.slice(i + 1);
        return onlyEncodingErrors(() => {
          const out = decodeAddress(mutated, main.address);
          if (mutated !== addr && mutated.toLowerCase() !== addr) throw new Error(`accepted ${mutated}`);
          return out;
        }, 'BAD_ADDRESS');
      }),
      { numRuns: 2000 },
    );
  });

  it('encodeAddress and decodeAddress round-trip every witness program and hash', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 16 }),
        fc.uint8Array({ minLength: 2, maxLength: 40 }),
        (v, prog) => {
          const script =
            v === 0
              ? prog.length >= 32
                ? p2wsh(prog.subarray(0, 32))
                : p2wpkh(concat(prog, new Uint8Array(20)).subarray(0, 20))
              : witnessProgram(v, prog);
          for (const p of nets) expect(decodeAddress(encodeAddress(script, p)!, p)).toEqual(script);
        },
      ),
    );
  });

  it('decodeWif throws only EncodingError(BAD_KEY) on arbitrary strings and payloads', () => {
    fc.assert(
      fc.property(fc.string(), (s) => onlyEncodingErrors(() => decodeWif(s, 0x80), 'BAD_KEY')),
      { numRuns: 2000 },
    );
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 40 }), (payload) =>
        onlyEncodingErrors(() => decodeWif(base58checkEncode(payload), 0x80), 'BAD_KEY'),
      ),
      { numRuns: 2000 },
    );
  });

  it('classifyOutput never throws and agrees with the builders', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 120 }), (s) => {
        const c = classifyOutput(s);
        return typeof c.type === 'string';
      }),
      { numRuns: 5000 },
    );
  });
});
