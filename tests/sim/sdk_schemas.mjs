// sdk_schemas.mjs — proves the official @phala/cloud SDK (its zod schemas) and @phala/dstack-sdk accept
// every simulator response: KMS list/info/on-chain/pubkey/next ids, CVM info and compose file, the
// two-phase PATCH envs (465 → precondition_required, fake-chain registration, phase 2 → in_progress)
// and the unified update (patchCvm prepare-only → commit token, checkCvmIsAllowed, commitCvmUpdate,
// confirmCvmPatch), and the app-wide views (getAppDeviceAllowlist, checkAppCvmsIsAllowed).
// Usage: node sdk_schemas.mjs SIM_BINARY SEED NODE_MODULES_DIR
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import assert from 'node:assert/strict';

const [binary, seed, modules] = process.argv.slice(2);
const { createClient, patchCvm, checkCvmIsAllowed, commitCvmUpdate, confirmCvmPatch, getAppDeviceAllowlist,
  checkAppCvmsIsAllowed } = await import(join(modules, '@phala/cloud/dist/index.mjs'));
const dstack = join(modules, '@phala/dstack-sdk/dist');
const { encryptEnvVars } = await import(join(dstack, 'encrypt-env-vars.mjs'));
const { verifyEnvEncryptPublicKeyLegacy } = await import(join(dstack, 'verify-env-encrypt-public-key.mjs'));
const { getComposeHash } = await import(join(dstack, 'get-compose-hash.mjs'));

const dir = mkdtempSync(join(tmpdir(), 'simsdk-'));
const child = spawn(binary, ['--seed', seed, '--port-file', join(dir, 'port'), '--quiet'], { stdio: 'ignore' });
let port = 0;
for (let i = 0; i < 500 && !port; i++) {
  try { port = parseInt(readFileSync(join(dir, 'port'), 'utf8'), 10) || 0; } catch { /* not yet */ }
  if (!port) await new Promise((r) => setTimeout(r, 10));
}
assert.ok(port > 0, 'simulator did not start');
const base = `http://127.0.0.1:${port}`;
const client = createClient({ apiKey: 'phak_test_key', baseURL: `${base}/api/v1` });
const BASE_APP = '0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f';

try {
  const list = await client.getKmsList();
  assert.equal(list.total, 3);
  const onchainList = await client.getKmsList({ is_onchain: true, page: 1, page_size: 1 });
  const baseKms = onchainList.items[0];
  assert.equal(baseKms.chain_id, 8453);

  const pk = await client.getAppEnvEncryptPubKey({ kms: baseKms.slug, app_id: BASE_APP });
  const signer = await verifyEnvEncryptPublicKeyLegacy(Buffer.from(pk.public_key, 'hex'),
    Buffer.from(pk.signature, 'hex'), BASE_APP);
  assert.equal(signer, baseKms.k256_pubkey, 'the pubkey signature must recover to k256_pubkey');

  const ids = await client.nextAppIds({ counts: 3 });
  assert.equal(ids.app_ids.length, 3);
  const detail = await client.getKmsOnChainDetail({ chain: 'base' });
  assert.equal(detail.contracts[0].chain_name, 'base');

  const info = await client.getCvmInfo({ id: 'cvm_base01' });
  assert.equal(info.kms_type, 'base');
  assert.equal((await client.getCvmInfo({ app_id: BASE_APP })).id, 'cvm_base01');
  const compose = await client.getCvmComposeFile({ id: 'cvm_base01' });
  const { ...plain } = compose;
  for (const k of Object.keys(plain)) if (typeof plain[k] === 'function') delete plain[k];
  assert.equal(getComposeHash(plain), info.compose_hash, 'compose hash = dstack getComposeHash');

  const enc = await encryptEnvVars([{ key: 'API_KEY', value: 'v1' }, { key: 'NEW', value: 'x' }], pk.public_key);
  const r1 = await client.updateCvmEnvs({ id: 'cvm_base01', encrypted_env: enc, env_keys: ['API_KEY', 'NEW'] });
  assert.equal(r1.status, 'precondition_required');
  assert.equal(r1.app_id, BASE_APP);
  assert.equal(r1.kms_info.id, 'kms_base01');
  const reg = await (await fetch(`${base}/_sim/chain/register`, {
    method: 'POST', body: JSON.stringify({ app_id: r1.app_id, compose_hash: r1.compose_hash }),
  })).json();
  const r2 = await client.updateCvmEnvs({ id: 'cvm_base01', encrypted_env: enc, env_keys: ['API_KEY', 'NEW'],
    compose_hash: r1.compose_hash, transaction_hash: reg.transaction_hash });
  assert.equal(r2.status, 'in_progress');
  const seen = await (await fetch(`${base}/_sim/envs/cvm_base01`)).json();
  assert.deepEqual(seen.env, [{ key: 'API_KEY', value: 'v1' }, { key: 'NEW', value: 'x' }]);

  const pinfo = await client.getCvmInfo({ id: 'cvm_phala01' });
  const enc2 = await encryptEnvVars([{ key: 'API_KEY', value: 'p' }], pinfo.kms_info.encrypted_env_pubkey);
  const r3 = await client.updateCvmEnvs({ id: 'cvm_phala01', encrypted_env: enc2, env_keys: ['API_KEY'] });
  assert.equal(r3.status, 'in_progress');
  assert.equal(r3.allowed_envs_changed, true);

  // The unified update: prepare-only gives a commit token; is-allowed; the token commit.
  const enc3 = await encryptEnvVars([{ key: 'API_KEY', value: 'u' }, { key: 'U2', value: 'w' }], pk.public_key);
  const p1 = await patchCvm(client, { id: 'cvm_base01', encrypted_env: enc3, allowed_envs: ['API_KEY', 'U2'],
    prepareOnly: true });
  assert.equal(p1.requiresOnChainHash, true);
  assert.equal(p1.appId, BASE_APP);
  assert.ok(p1.commitToken && p1.commitToken.length >= 32, 'prepare-only gives a commit token');
  assert.equal(p1.onchainStatus.compose_hash_allowed, false);
  const a1 = await checkCvmIsAllowed(client, { cvmId: 'cvm_base01', compose_hash: p1.composeHash });
  assert.equal(a1.compose_hash_allowed, false);
  assert.equal(a1.is_allowed, false);
  const reg3 = await (await fetch(`${base}/_sim/chain/register`, {
    method: 'POST', body: JSON.stringify({ app_id: p1.appId, compose_hash: p1.composeHash }),
  })).json();
  assert.equal((await checkCvmIsAllowed(client, { cvmId: 'cvm_base01', compose_hash: p1.composeHash })).is_allowed, true);
  const c1 = await commitCvmUpdate(client, { id: 'cvm_base01', token: p1.commitToken, composeHash: p1.composeHash,
    transactionHash: 'already-registered' });
  assert.equal(c1.status, 'in_progress');
  await assert.rejects(commitCvmUpdate(client, { id: 'cvm_base01', token: p1.commitToken,
    composeHash: p1.composeHash, transactionHash: reg3.transaction_hash }), (e) => e.status === 466,
  'a commit token is one-time');
  const enc4 = await encryptEnvVars([{ key: 'API_KEY', value: 'c' }], pk.public_key);
  const p2 = await patchCvm(client, { id: 'cvm_base01', encrypted_env: enc4, allowed_envs: ['API_KEY'] });
  assert.equal(p2.requiresOnChainHash, true);
  assert.equal(p2.commitToken, undefined, 'no token without prepare-only');
  const reg4 = await (await fetch(`${base}/_sim/chain/register`, {
    method: 'POST', body: JSON.stringify({ app_id: p2.appId, compose_hash: p2.composeHash }),
  })).json();
  const c2 = await confirmCvmPatch(client, { id: 'cvm_base01', composeHash: p2.composeHash,
    transactionHash: reg4.transaction_hash });
  assert.ok(c2.correlationId);
  const seen2 = await (await fetch(`${base}/_sim/envs/cvm_base01`)).json();
  assert.deepEqual(seen2.env, [{ key: 'API_KEY', value: 'c' }]);
  const p3 = await patchCvm(client, { id: 'cvm_phala01', encrypted_env: enc2, allowed_envs: ['API_KEY'],
    prepareOnly: true });
  assert.equal(p3.requiresOnChainHash, false, 'prepare-only on a Phala-KMS CVM applies at once');

  // App-wide views under the SDK's version (2026-01-21: integer CVM ids = seed position).
  const cvmNow = await client.getCvmInfo({ id: 'cvm_base01' });
  const al = await getAppDeviceAllowlist(client, { appId: `0x${BASE_APP}` });
  assert.equal(al.is_onchain_kms, true);
  assert.equal(al.chain_id, 8453);
  assert.equal(al.app_contract_address, `0x${BASE_APP}`);
  assert.equal(typeof al.allow_any_device, 'boolean');
  assert.equal(al.devices.length, 1);
  assert.equal(al.devices[0].device_id, '7a82191bd4dedb9d716e3aa422963cf1009f36e3068404a0322feca1ce517dc9');
  assert.equal(al.devices[0].node_name, 'sim-node-1');
  assert.deepEqual(al.devices[0].cvm_ids, [2]);
  const batch = await checkAppCvmsIsAllowed(client, { appId: BASE_APP });
  assert.equal(batch.is_onchain, true);
  assert.equal(batch.total, 1);
  assert.equal(batch.results.length, 1);
  assert.equal(batch.results[0].cvm_id, 2);
  assert.equal(batch.results[0].compose_hash, cvmNow.compose_hash);
  assert.equal(batch.allowed_count + batch.denied_count + batch.error_count, 1);
  const phalaApp = 'e7c1a4a6b2f54b1c9d3e8f70a1b2c3d4e5f60718';
  const off = await checkAppCvmsIsAllowed(client, { appId: phalaApp });
  assert.equal(off.is_onchain, false);
  assert.deepEqual(off.skipped_cvm_ids, [1]);
  assert.equal((await getAppDeviceAllowlist(client, { appId: phalaApp })).is_onchain_kms, false);
  await assert.rejects(getAppDeviceAllowlist(client, { appId: 'ab'.repeat(20) }), (e) => e.status === 404);
  // From 2026-05-22 CVM ids are strings (the SDK's 0.2.9 schemas predate that: checked by hand).
  const raw = await (await fetch(`${base}/api/v1/apps/${BASE_APP}/cvms/is-allowed`, {
    method: 'POST', headers: { 'X-API-Key': 'phak_test_key', 'X-Phala-Version': '2026-06-23',
      'Content-Type': 'application/json' }, body: '{}',
  })).json();
  assert.equal(raw.results[0].cvm_id, 'cvm_base01');
  const stats = (await (await fetch(`${base}/_sim/stats`)).json()).requests;
  assert.equal(stats['GET /apps/{app_id}/device-allowlist'], 3, 'the request log names the route');
  assert.equal(stats['POST /apps/{app_id}/cvms/is-allowed'], 3);

  await assert.rejects(client.getCvmInfo({ id: 'cvm_nope' }), (e) => e.status === 404);
  console.log('sdk_schemas: ok');
} finally {
  child.kill('SIGTERM');
  rmSync(dir, { recursive: true, force: true });
}
