/** The fake Esplora server lives in bench/ (the bench uses it too); tests import it from here. */
export { type FakeCoin, FakeEsplora, type FakeMode, fakeTxid } from '../../bench/wallet-esplora.js';
