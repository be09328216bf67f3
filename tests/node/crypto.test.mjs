// Cross-checks of libphalakms's crypto (through tests/tools/pktool) against Phala's own npm code:
// @phala/dstack-sdk 0.5.8 encryptEnvVars / getComposeHash / verifyEnvEncryptPublicKey(Legacy) and
// @phala/cloud parseEnv (dotenv). Both directions for encryption: their ciphertext decrypts in C,
// ours decrypts in an independent Node implementation (WebCrypto AES-GCM + @noble/curves X25519).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash, randomBytes, webcrypto } from 'node:crypto';
import fs from 'node:fs';
import { encryptEnvVars } from '@phala/dstack-sdk/encrypt-env-vars';
import { getComposeHash } from '@phala/dstack-sdk/get-compose-hash';
import {
  verifyEnvEncryptPublicKey,
  verifyEnvEncryptPublicKeyLegacy,
} from '@phala/dstack-sdk/verify-env-encrypt-public-key';
import { dumpAppCompose, parseEnv } from '@phala/cloud';
import { x25519 } from '@noble/curves/ed25519';
import { secp256k1 } from '@noble/curves/secp256k1';
import { keccak_256 } from '@noble/hashes/sha3';

const PKTOOL = process.env.PKTOOL;
assert.ok(PKTOOL, 'PKTOOL must point at the pktool binary (set by ctest)');

function pktool(args, input) {
  const r = spawnSync(PKTOOL, args, { input, encoding: 'utf8', maxBuffer: 64 << 20 });
  if (r.status !== 0) throw new Error(`pktool ${args[0]} failed (${r.status}): ${r.stderr}`);
  return r.stdout.trim();
}
const hex = (b) => Buffer.from(b).toString('hex');
const unhex = (h) => Uint8Array.from(Buffer.from(h.replace(/^0x/, ''), 'hex'));

// Deterministic pseudo-random generator so that a failure can be replayed.
let seed = Number(process.env.CROSSCHECK_SEED ?? 20261121);
function rnd(n) {
  seed = (seed * 1103515245 + 12345) >>> 0;
  return ((seed >>> 8) * n) >>> 24;
}
const pick = (a) => a[rnd(a.length)];

const VALUE_PIECES = ['a', 'Z', '0', ' ', '"', "'", '`', '\\', '\n', '\r', '\t', '\x01', '\x1f', '\x7f',
  '#', '=', '$', '{', '}', '<', '>', '&', 'é', '你好', '世界', '😀', '\u2028', '\u2029', '\ufeff', '\u00a0'];
function randomValue(maxPieces) {
  let s = '';
  const n = rnd(maxPieces + 1);
  for (let i = 0; i < n; i++) s += pick(VALUE_PIECES);
  return s;
}
function randomEnv(count) {
  const env = [];
  for (let i = 0; i < count; i++) env.push({ key: `K${i}_${pick(['A', 'b', '_', 'Z9'])}`, value: randomValue(40) });
  return env;
}

function envSets() {
  const sets = [
    [],
    [{ key: 'FOO', value: 'bar' }],
    [{ key: 'UNICODE', value: 'Hello 世界 😀 é' }, { key: 'NL', value: 'line1\nline2\r\n' }],
    [{ key: 'QUOTES', value: `"double" 'single' \`back\` \\ back\\slash` }],
    [{ key: 'BIG', value: 'x'.repeat(128 * 1024) }],
    [{ key: 'CTRL', value: '\x01\x02\x1b[0m\x7f' }, { key: 'EMPTY', value: '' }],
  ];
  for (let i = 0; i < 30; i++) sets.push(randomEnv(rnd(12)));
  return sets;
}

test('encryptEnvVars output decrypts with pk_decrypt_env', async () => {
  for (const env of envSets()) {
    const sk = x25519.utils.randomPrivateKey();
    const pub = hex(x25519.getPublicKey(sk));
    const blob = await encryptEnvVars(env, rnd(2) ? pub : '0x' + pub);
    const got = JSON.parse(pktool(['decrypt', hex(sk)], blob));
    assert.deepEqual(got, env);
  }
});

async function nodeDecrypt(blobHex, sk) {
  const blob = unhex(blobHex);
  const shared = x25519.getSharedSecret(sk, blob.slice(0, 32));
  const key = await webcrypto.subtle.importKey('raw', shared, { name: 'AES-GCM' }, false, ['decrypt']);
  const pt = await webcrypto.subtle.decrypt({ name: 'AES-GCM', iv: blob.slice(32, 44) }, key, blob.slice(44));
  return new TextDecoder('utf-8', { fatal: true }).decode(pt);
}

test('pk_encrypt_env output decrypts with WebCrypto + noble X25519, plaintext is JSON.stringify form', async () => {
  for (const env of envSets()) {
    const sk = x25519.utils.randomPrivateKey();
    const pub = hex(x25519.getPublicKey(sk));
    const blob = pktool(['encrypt', pub], JSON.stringify(env));
    assert.match(blob, /^[0-9a-f]+$/);
    const pt = await nodeDecrypt(blob, sk);
    assert.equal(pt, JSON.stringify({ env }), 'byte-identical plaintext');
  }
});

test('the §5.2 vector decrypts in Node too', async () => {
  const v = JSON.parse(fs.readFileSync('../data/crypto/encrypt_env.json', 'utf8'));
  assert.equal(await nodeDecrypt(v.encrypted_env, unhex(v.remote_sk)), v.plaintext);
});

// ---- compose hash ------------------------------------------------------------------------------

const KEY_PIECES = ['a', 'b', 'Z', '_', '0', '1', '9', '10', 'é', '你', '😀', '\uffff', '\ue000', ' ', '"', '\\', '\n'];
function randomKey() {
  let k = '';
  const n = rnd(4);
  for (let i = 0; i < n; i++) k += pick(KEY_PIECES);
  return k;
}
function randomNumber() {
  switch (rnd(7)) {
    case 0: return rnd(1000) - 500;
    case 1: return (rnd(1 << 24) - (1 << 23)) / (1 + rnd(1000));
    case 2: return Number(`${rnd(10)}.${rnd(1000)}e${rnd(60) - 30}`);
    case 3: return Number(`1e${rnd(40) - 10}`);
    case 4: return 2 ** (rnd(120) - 60);
    case 5: return Number.MAX_SAFE_INTEGER - rnd(10);
    default: return rnd(2) ? 0 : 0.1 * rnd(10);
  }
}
function randomJson(depth) {
  const r = rnd(depth > 0 ? 8 : 5);
  if (r === 0) return randomValue(10);
  if (r === 1) return randomNumber();
  if (r === 2) return pick([true, false]);
  if (r === 3) return null;
  if (r === 4) return randomValue(3);
  if (r === 5 || r === 6) {
    const o = {};
    const n = rnd(6);
    for (let i = 0; i < n; i++) o[randomKey()] = randomJson(depth - 1);
    return o;
  }
  return Array.from({ length: rnd(5) }, () => randomJson(depth - 1));
}
function randomCompose() {
  const c = randomJson(3);
  const o = c && typeof c === 'object' && !Array.isArray(c) ? c : {};
  // Fields normalize looks at, in every combination (nerdctl-compose is left out on purpose: sdk 0.5.8
  // keeps bash_script for it, newer dstack and we drop it).
  if (rnd(2)) o.runner = pick(['docker-compose', 'bash', 'other']);
  if (rnd(2)) o.docker_compose_file = randomValue(8);
  if (rnd(2)) o.bash_script = randomValue(4);
  if (rnd(2)) o.pre_launch_script = pick(['', null, false, 0, 'echo hi', randomValue(3)]);
  if (rnd(2)) o.allowed_envs = ['API_KEY', 'DB_URL'];
  return o;
}

test('getComposeHash equals pk_compose_hash on generated app-compose objects', () => {
  for (let i = 0; i < 150; i++) {
    const obj = randomCompose();
    const text = JSON.stringify(obj);
    for (const normalize of [false, true]) {
      const want = getComposeHash(JSON.parse(text), normalize);
      const got = pktool(normalize ? ['compose-hash', '--normalize'] : ['compose-hash'], text);
      assert.equal(got, want, `normalize=${normalize} input=${text}`);
    }
  }
});

test('getComposeHash equals pk_compose_hash on hand-written JSON lexemes', () => {
  const texts = [
    '{"a":1.0,"b":1E2,"c":-0,"d":0.000001,"e":1e-7,"f":1e21,"g":123456789012345678901234567890}',
    '{"big":1e400,"neg":-1e400,"tiny":5e-324,"under":1e-400}',
    '{"z":{"10":1,"9":2,"a":3,"01":4},"k":1,"k":2}',
    '{ "s" : "\\u00e9\\ud83d\\ude00\\u2028\\/" , "arr" : [ 1 , [ ] , { } ] }',
  ];
  for (const text of texts)
    for (const normalize of [false, true])
      assert.equal(pktool(normalize ? ['compose-hash', '--normalize'] : ['compose-hash'], text),
        getComposeHash(JSON.parse(text), normalize), text);
});

test('compose hash vectors of research §6.2 agree with the SDK', () => {
  const d = JSON.parse(fs.readFileSync('../data/crypto/compose_hash.json', 'utf8'));
  for (const v of d.vectors) {
    assert.equal(getComposeHash(JSON.parse(v.input), !!v.normalize), v.hash, v.name);
    assert.equal(pktool(v.normalize ? ['compose-hash', '--normalize'] : ['compose-hash'], v.input), v.hash, v.name);
  }
});

// Strings JSON.parse keeps but a C string cannot: U+0000 and lone surrogates, in keys and values.
// getComposeHash prints them as JSON.stringify does (\u0000, \udXXX); the indented form is checked
// against @phala/cloud's dumpAppCompose (no ':' in the pieces: its regex rewrites '": ' in strings).
const ODD_PIECES = ['a', 'Z', '0', '\u0000', '\ud800', '\udbff', '\udc00', '\udfff', '\ud83d', '\ude00',
  '😀', '\uffff', '\ue000', '\u0001', '\\', '"', 'é'];
function oddString(max) {
  let s = '';
  const n = rnd(max + 1);
  for (let i = 0; i < n; i++) s += pick(ODD_PIECES);
  return s;
}
function oddJson(depth) {
  const r = rnd(depth > 0 ? 5 : 3);
  if (r === 0) return oddString(6);
  if (r === 1) return rnd(100);
  if (r === 2) return null;
  if (r === 3) {
    const o = {};
    for (let i = rnd(6); i > 0; i--) o[oddString(3)] = oddJson(depth - 1);
    return o;
  }
  return Array.from({ length: rnd(4) }, () => oddJson(depth - 1));
}
const indentedSdk = (obj) => createHash('sha256').update(dumpAppCompose(obj), 'utf8').digest('hex');

test('NUL and lone surrogates hash as @phala/dstack-sdk and @phala/cloud hash them', () => {
  const texts = [
    '{"a":"\\u0000x"}',
    '{"a":""}',
    '{"a":"\\ud800"}',
    '{"a":"\\uD800\\uD800","b":"\\uDBFF\\uDFFF","c":"x\\u0000\\u0000y","d":"\\udc00\\ud800"}',
    '{"\\udc00":1,"\\ud800":2,"\\ud83d\\ude00":3,"\\uffff":4,"\\u0000":5,"":6,"\\u0000\\u0000":7}',
    '{"k\\u0000":1,"k":2,"k\\u0000":3,"\\ud800x":4,"\\ud800":5}',
    '{"runner":"bash\\u0000","docker_compose_file":"\\u0000","pre_launch_script":"\\u0000"}',
    '{"runner":"bash","docker_compose_file":"x","bash_script":"\\ud800","pre_launch_script":""}',
  ];
  for (let i = 0; i < 150; i++) {
    const c = oddJson(3);
    texts.push(JSON.stringify(c && typeof c === 'object' && !Array.isArray(c) ? c : { v: c }));
  }
  for (const text of texts) {
    for (const normalize of [false, true])
      assert.equal(pktool(normalize ? ['compose-hash', '--normalize'] : ['compose-hash'], text),
        getComposeHash(JSON.parse(text), normalize), `normalize=${normalize} input=${text}`);
    assert.equal(pktool(['compose-hash', '--indent4'], text), indentedSdk(JSON.parse(text)),
      `indented: ${text}`);
  }
  // The data file's vectors of these (the unit and acceptance tests read them) are the SDKs' too.
  const d = JSON.parse(fs.readFileSync('../data/crypto/compose_hash.json', 'utf8'));
  const odd = d.indent4_vectors.filter((v) => ['nul_in_strings', 'lone_surrogates'].includes(v.name));
  assert.equal(odd.length, 2);
  for (const v of odd) assert.equal(indentedSdk(JSON.parse(v.input)), v.hash, v.name);
  // The NUL is part of the string: not the hash of the string cut there.
  assert.notEqual(pktool(['compose-hash'], '{"a":"\\u0000x"}'), pktool(['compose-hash'], '{"a":""}'));
});

// ---- public key signature ----------------------------------------------------------------------

test('legacy signature: SDK recovery and ours agree on the §4.4 vectors', () => {
  const d = JSON.parse(fs.readFileSync('../data/crypto/pubkey_sig.json', 'utf8'));
  for (const v of d.valid.filter((x) => x.timestamp === undefined)) {
    const sdk = verifyEnvEncryptPublicKeyLegacy(unhex(v.public_key), unhex(v.signature), v.app_id);
    assert.equal(sdk, '0x' + v.signer, v.name);
    assert.equal(pktool(['verify', v.public_key, v.signature, v.app_id]), sdk, v.name);
  }
});

test('signatures we produce verify in the SDK (legacy and timestamped)', () => {
  for (let i = 0; i < 25; i++) {
    const sk = secp256k1.utils.randomPrivateKey();
    const signer = pktool(['secp256k1-public', hex(sk)]);
    assert.equal(signer, hex(secp256k1.getPublicKey(sk, true)));
    const appId = hex(randomBytes(20));
    const pub = hex(randomBytes(32));
    // legacy
    const digest = pktool(['sig-digest', appId, pub]);
    const msg = Buffer.concat([Buffer.from('dstack-env-encrypt-pubkey:'), unhex(appId), unhex(pub)]);
    assert.equal(digest, hex(keccak_256(msg)));
    const sig = pktool(['sign', hex(sk), digest]);
    assert.equal(verifyEnvEncryptPublicKeyLegacy(unhex(pub), unhex(sig), '0x' + appId), '0x' + signer);
    assert.equal(pktool(['verify', pub, sig, appId]), '0x' + signer);
    // timestamped, against the real clock the SDK uses
    const now = Math.floor(Date.now() / 1000);
    const ts = now - rnd(200);
    const d1 = pktool(['sig-digest', appId, pub, String(ts)]);
    const sig1 = pktool(['sign', hex(sk), d1]);
    assert.equal(verifyEnvEncryptPublicKey(unhex(pub), unhex(sig1), appId, ts), '0x' + signer);
    assert.equal(pktool(['verify', pub, sig1, appId, String(ts), String(now)]), '0x' + signer);
  }
});

test('SDK-made signatures recover to the same key in C', () => {
  for (let i = 0; i < 25; i++) {
    const sk = secp256k1.utils.randomPrivateKey();
    const appId = hex(randomBytes(20));
    const pub = hex(randomBytes(32));
    const msg = Buffer.concat([Buffer.from('dstack-env-encrypt-pubkey:'), unhex(appId), unhex(pub)]);
    const s = secp256k1.sign(keccak_256(msg), sk);
    const sig = hex(s.toCompactRawBytes()) + s.recovery.toString(16).padStart(2, '0');
    const want = verifyEnvEncryptPublicKeyLegacy(unhex(pub), unhex(sig), appId);
    assert.equal(pktool(['verify', pub, sig, appId]), want);
  }
});

// ---- dotenv ------------------------------------------------------------------------------------

const DOTENV_PIECES = ['A', 'KEY_1', 'a.b-c', 'export ', '=', ' = ', ': ', ':', '\n', '\r\n', '\r', ' ', '\t',
  "'", '"', '`', '\\', '\\n', '\\r', '#', ' # c', 'value', 'x y', 'é😀', '\u2028', '\u00a0', '=='];
function randomDotenv() {
  let s = '';
  const lines = rnd(8);
  for (let l = 0; l < lines; l++) {
    if (rnd(3)) s += pick(['A', 'B', 'KEY_1', 'a.b-c', 'export A', '  C']) + pick(['=', ' = ', ': ', '=\n']);
    const n = rnd(8);
    for (let i = 0; i < n; i++) s += pick(DOTENV_PIECES);
    s += pick(['\n', '\r\n', '\r', '']);
  }
  return s;
}

test('dotenv parsing equals @phala/cloud parseEnv', () => {
  const fixtures = fs.readdirSync('../data/dotenv').filter((f) => f.endsWith('.env'))
    .map((f) => fs.readFileSync('../data/dotenv/' + f, 'utf8'));
  const inputs = [...fixtures];
  for (let i = 0; i < 400; i++) inputs.push(randomDotenv());
  for (const text of inputs) {
    // JS objects put integer-like keys first; none of the generated keys are integers.
    const want = Object.entries(parseEnv(text));
    const got = JSON.parse(pktool(['dotenv'], text));
    assert.deepEqual(got, want, JSON.stringify(text));
  }
});

test('numbers print as JS prints them (random bit patterns, ties, powers of two)', () => {
  const buf = new DataView(new ArrayBuffer(8));
  for (let round = 0; round < 10; round++) {
    const nums = [2 ** -24, 2 ** -1074, 2 ** 1023, 1e21, 1e-7, 123e-20];
    while (nums.length < 300) {
      for (let i = 0; i < 8; i++) buf.setUint8(i, rnd(256));
      const x = buf.getFloat64(0);
      if (Number.isFinite(x)) nums.push(x);
    }
    const text = JSON.stringify({ n: nums });
    assert.equal(pktool(['compose-hash'], text), getComposeHash(JSON.parse(text)), text);
  }
});
