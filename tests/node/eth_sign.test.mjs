// Cross-check of libphalakms's Ethereum transaction signing (through tests/tools/pktool) against
// viem, the library Phala's SDK signs addComposeHash with: for many seeded random field sets and keys
// the raw signed bytes and the hash must be identical, for EIP-1559 and legacy (EIP-155) forms, and
// the address derived from a key must be viem's.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { privateKeyToAccount } from 'viem/accounts';
import { keccak256, encodeFunctionData, parseAbi } from 'viem';

const PKTOOL = process.env.PKTOOL;
assert.ok(PKTOOL, 'PKTOOL must point at the pktool binary (set by ctest)');

function pktool(args) {
  const r = spawnSync(PKTOOL, args, { encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`pktool ${args[0]} failed (${r.status}): ${r.stderr}`);
  return r.stdout.trim();
}

// Deterministic generator so a failure can be replayed (ETH_SIGN_SEED overrides).
let seed = Number(process.env.ETH_SIGN_SEED ?? 8453);
function rnd(n) {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return ((seed >>> 8) * n) >>> 24;
}
const pick = (a) => a[rnd(a.length)];
function randomHex(bytes) {
  let s = '';
  for (let i = 0; i < bytes; i++) s += rnd(256).toString(16).padStart(2, '0');
  return s;
}
// A bigint of up to `bits` bits, biased towards the RLP edge cases (0, 1 byte, 0x7f/0x80, 55/56).
function randomUint(bits) {
  const edge = [0n, 1n, 0x7fn, 0x80n, 0xffn, 0x100n, (1n << BigInt(bits)) - 1n];
  if (rnd(4) === 0) return pick(edge);
  const bytes = 1 + rnd(bits / 8);
  return BigInt('0x' + randomHex(bytes));
}
const N = 0xfffffffffffffffffffffffffffffffebaaedce6af48a03bbfd25e8cd0364141n;
function randomKey() {
  for (;;) {
    const k = randomHex(32);
    const v = BigInt('0x' + k);
    if (v > 0n && v < N) return '0x' + k;
  }
}
function randomData() {
  const len = pick([0, 1, 1, 4, 36, 55, 56, 57, 200, 1024, rnd(300)]);
  if (len === 1) return '0x' + pick(['00', '7f', '80', 'ff']);
  return '0x' + randomHex(len);
}

function randomTx() {
  const type = rnd(2) ? 'eip1559' : 'legacy';
  const tx = {
    type,
    chainId: pick([1, 8453, 31337, 1337, 11155111, 1 + rnd(1 << 24)]),
    nonce: randomUint(64),
    gas: randomUint(64),
    to: '0x' + randomHex(20),
    value: randomUint(256),
    data: randomData(),
  };
  if (type === 'legacy') tx.gasPrice = randomUint(64);
  else {
    tx.maxFeePerGas = randomUint(64);
    tx.maxPriorityFeePerGas = tx.maxFeePerGas === 0n ? 0n : BigInt(rnd(1 << 24)) % (tx.maxFeePerGas + 1n);
  }
  return tx;
}

// pktool takes the numbers as decimal strings (they exceed JSON's exact integer range).
function toToolJson(tx, key) {
  const o = { privateKey: key };
  for (const [k, v] of Object.entries(tx)) o[k] = typeof v === 'bigint' ? v.toString() : v;
  return JSON.stringify(o);
}

test('pk_eth_sign_tx equals viem signTransaction (eip1559 and legacy)', async () => {
  let counts = { eip1559: 0, legacy: 0 };
  for (let i = 0; i < 300; i++) {
    const key = randomKey();
    const tx = randomTx();
    const want = await privateKeyToAccount(key).signTransaction({ ...tx, chainId: tx.chainId });
    const got = JSON.parse(pktool(['eth-sign-tx', toToolJson(tx, key)]));
    assert.equal(got.raw, want, `case ${i} (${tx.type}) raw differs`);
    assert.equal(got.hash, keccak256(want), `case ${i} hash differs`);
    counts[tx.type]++;
  }
  assert.ok(counts.eip1559 > 50 && counts.legacy > 50, JSON.stringify(counts));
});

test('pk_eth_address equals viem privateKeyToAccount().address', () => {
  const keys = ['0x4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d',
    '0x' + '00'.repeat(31) + '01', '0x' + (N - 1n).toString(16)];
  for (let i = 0; i < 100; i++) keys.push(randomKey());
  for (const key of keys) {
    const want = privateKeyToAccount(key).address.toLowerCase();
    assert.equal(pktool(['eth-address', key]), want, key);
    assert.equal(pktool(['eth-address', key.slice(2)]), want, 'without 0x');
  }
});

test('eth-calldata equals viem encodeFunctionData(addComposeHash)', () => {
  const abi = parseAbi(['function addComposeHash(bytes32 composeHash)']);
  for (let i = 0; i < 50; i++) {
    const hash = '0x' + randomHex(32);
    const want = encodeFunctionData({ abi, functionName: 'addComposeHash', args: [hash] });
    assert.equal(pktool(['eth-calldata', hash]), want);
    assert.equal(pktool(['eth-calldata', hash.slice(2).toUpperCase()]), want);
  }
});
