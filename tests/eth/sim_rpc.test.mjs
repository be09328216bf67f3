// sim_rpc.test.mjs — phala-cloud-sim's phase-2 verification against a real chain (--rpc-url → chain.mjs):
// random/unrelated/failed/other-contract transactions give 467, a real addComposeHash(H) gives 200 and
// applies the env, a hash removed after registration gives 468. Needs SIM_BIN; starts its own chain and sim.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { randomHash, calldata } from './chain.mjs';
import { composeHashAppAbi, requirePkg, seedFor, startChainProcess, startSim, viemFor } from './harness.mjs';

const { encryptEnvVars } = requirePkg('@phala/dstack-sdk/encrypt-env-vars');

let chain;
let sim;
let info;
let eth;
let abi;
let cvmId;
let appId;

before(async () => {
  chain = await startChainProcess();
  info = chain.info;
  sim = await startSim(seedFor(info), ['--rpc-url', info.rpc_url]);
  eth = viemFor(info);
  abi = composeHashAppAbi();
  cvmId = 'cvm_eth00';
  appId = info.apps[0].slice(2).toLowerCase();
});

after(async () => {
  if (sim) await sim.stop();
  if (chain) await chain.stop();
});

async function encrypt(envs) {
  const pk = await sim.api('GET', `/kms/kms-eth-test/pubkey/${appId}`);
  assert.equal(pk.status, 200, pk.text);
  return encryptEnvVars(envs, pk.json.public_key);
}

function detail(body, field) {
  const d = (body.details || []).find((x) => x.field === field);
  return d && d.value;
}

/** Phase 1: expects 465 and returns the compose hash it asks to register. */
async function phase1(encrypted_env, env_keys) {
  const r = await sim.api('PATCH', `/cvms/${cvmId}/envs`, { encrypted_env, env_keys });
  assert.equal(r.status, 465, r.text);
  const hash = detail(r.json, 'compose_hash');
  assert.match(hash, /^[0-9a-f]{64}$/);
  assert.equal(detail(r.json, 'app_id'), appId);
  assert.equal(detail(r.json, 'kms_info').chain_id, info.chain_id);
  return hash;
}

function phase2(encrypted_env, env_keys, compose_hash, transaction_hash) {
  return sim.api('PATCH', `/cvms/${cvmId}/envs`, { encrypted_env, env_keys, compose_hash, transaction_hash });
}

function expectError(r, status, code, msgPattern) {
  assert.equal(r.status, status, r.text);
  assert.equal(r.json.error_code, code, r.text);
  if (msgPattern) assert.match(r.json.message, msgPattern);
}

/** Sends a contract call from key and returns its (mined) receipt. */
async function write(key, address, functionName, hash) {
  const w = eth.wallet(key);
  const tx = await w.writeContract({ address, abi, functionName, args: [`0x${hash}`] });
  const receipt = await eth.publicClient.waitForTransactionReceipt({ hash: tx });
  assert.equal(receipt.status, 'success');
  return receipt;
}

async function allowed(address, hash) {
  return eth.publicClient.readContract({ address, abi, functionName: 'allowedComposeHashes', args: [`0x${hash}`] });
}

describe('phase 2 verified against a JSON-RPC chain', () => {
  const keys1 = ['API_KEY', 'NEW_KEY'];
  const envs1 = [{ key: 'API_KEY', value: 'k-1' }, { key: 'NEW_KEY', value: 'n-1' }];
  let enc1;
  let hash1;

  test('phase 1 asks for registration (465)', async () => {
    enc1 = await encrypt(envs1);
    hash1 = await phase1(enc1, keys1);
    assert.equal(await allowed(info.apps[0], hash1), false);
  });

  test('(a) a transaction hash the chain does not know → 467', async () => {
    const r = await phase2(enc1, keys1, hash1, randomHash());
    expectError(r, 467, 'ERR-01-007', /not found/i);
  });

  test('(b) a real transaction that is not addComposeHash(H) (plain ETH transfer) → 467', async () => {
    const w = eth.wallet(info.owner_key);
    const tx = await w.sendTransaction({ to: info.other_address, value: 1n });
    const receipt = await eth.publicClient.waitForTransactionReceipt({ hash: tx });
    assert.equal(receipt.status, 'success');
    const r = await phase2(enc1, keys1, hash1, tx);
    expectError(r, 467, 'ERR-01-007', /does not register/);
  });

  test('addComposeHash(H) on another app contract → 467', async () => {
    const receipt = await write(info.owner_key, info.apps[1], 'addComposeHash', hash1);
    const r = await phase2(enc1, keys1, hash1, receipt.transactionHash);
    expectError(r, 467, 'ERR-01-007', /does not register/);
  });

  test('a reverted addComposeHash(H) (sender is not the owner) → 467', async () => {
    const w = eth.wallet(info.other_key);
    // Explicit gas: no estimate, so the reverting transaction is mined with status 0.
    const tx = await w.sendTransaction({ to: info.apps[0], data: calldata('addComposeHash', hash1), gas: 100000n });
    const receipt = await eth.publicClient.waitForTransactionReceipt({ hash: tx });
    assert.equal(receipt.status, 'reverted');
    const r = await phase2(enc1, keys1, hash1, tx);
    expectError(r, 467, 'ERR-01-007', /failed/);
  });

  test('an ill-formed transaction hash → 467 before any chain lookup', async () => {
    const r = await phase2(enc1, keys1, hash1, `0x${'ab'.repeat(31)}`);
    expectError(r, 467, 'ERR-01-007');
  });

  test('(c) addComposeHash(H) by the owner → phase 2 succeeds and the env is applied', async () => {
    const receipt = await write(info.owner_key, info.apps[0], 'addComposeHash', hash1);
    assert.equal(await allowed(info.apps[0], hash1), true);
    const r = await phase2(enc1, keys1, `0x${hash1}`, receipt.transactionHash.toUpperCase().replace('0X', '0x'));
    assert.equal(r.status, 200, r.text);
    assert.equal(r.json.status, 'in_progress');
    assert.equal(r.json.allowed_envs_changed, true);
    const v = await sim.admin('GET', `/envs/${cvmId}`);
    assert.equal(v.status, 200, v.text);
    assert.deepEqual(v.json.env, envs1);
    assert.deepEqual(v.json.allowed_envs, keys1);
    assert.equal(v.json.compose_hash, hash1);
    assert.equal(v.json.pending, null);
  });

  test('(d) a hash removed after registration → 468; allowed again → 200', async () => {
    const keys2 = ['API_KEY', 'NEW_KEY', 'THIRD'];
    const envs2 = [...envs1, { key: 'THIRD', value: 't-2' }];
    const enc2 = await encrypt(envs2);
    const hash2 = await phase1(enc2, keys2);
    assert.notEqual(hash2, hash1);
    const added = await write(info.owner_key, info.apps[0], 'addComposeHash', hash2);
    await write(info.owner_key, info.apps[0], 'removeComposeHash', hash2);
    assert.equal(await allowed(info.apps[0], hash2), false);
    const r = await phase2(enc2, keys2, hash2, added.transactionHash);
    expectError(r, 468, 'ERR-01-008', /not allowed/);
    // The registration log is still in that transaction: once the hash is allowed again it passes.
    await write(info.owner_key, info.apps[0], 'addComposeHash', hash2);
    const ok = await phase2(enc2, keys2, hash2, added.transactionHash);
    assert.equal(ok.status, 200, ok.text);
    const v = await sim.admin('GET', `/envs/${cvmId}`);
    assert.deepEqual(v.json.env, envs2);
  });
});

describe('chain checks', () => {
  test('a KMS on another chain id than the RPC endpoint → 467 naming both chains', async () => {
    const other = await startSim(seedFor(info, { kmsChainId: 1 }), ['--rpc-url', info.rpc_url]);
    try {
      const pk = await other.api('GET', `/kms/kms-eth-test/pubkey/${appId}`);
      const enc = await encryptEnvVars([{ key: 'X', value: '1' }], pk.json.public_key);
      const p1 = await other.api('PATCH', `/cvms/${cvmId}/envs`, { encrypted_env: enc, env_keys: ['X'] });
      assert.equal(p1.status, 465, p1.text);
      const h = detail(p1.json, 'compose_hash');
      const receipt = await write(info.owner_key, info.apps[0], 'addComposeHash', h);
      const r = await other.api('PATCH', `/cvms/${cvmId}/envs`,
        { encrypted_env: enc, env_keys: ['X'], compose_hash: h, transaction_hash: receipt.transactionHash });
      expectError(r, 467, 'ERR-01-007', new RegExp(`chain ${info.chain_id}.*chain 1\\b`));
    } finally {
      await other.stop();
    }
  });

  test('an RPC endpoint that cannot be reached → 467 saying so', async () => {
    // Port 1 on loopback: connection refused at once.
    const other = await startSim(seedFor(info), ['--rpc-url', 'http://127.0.0.1:1']);
    try {
      const pk = await other.api('GET', `/kms/kms-eth-test/pubkey/${appId}`);
      const enc = await encryptEnvVars([{ key: 'X', value: '1' }], pk.json.public_key);
      const p1 = await other.api('PATCH', `/cvms/${cvmId}/envs`, { encrypted_env: enc, env_keys: ['X'] });
      assert.equal(p1.status, 465, p1.text);
      const r = await other.api('PATCH', `/cvms/${cvmId}/envs`,
        { encrypted_env: enc, env_keys: ['X'], compose_hash: detail(p1.json, 'compose_hash'), transaction_hash: randomHash() });
      expectError(r, 467, 'ERR-01-007', /could not be reached/);
    } finally {
      await other.stop();
    }
  });
});
