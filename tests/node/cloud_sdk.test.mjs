// cloud_sdk.test.mjs — the official @phala/cloud client against phala-cloud-sim: every KMS/CVM call
// the C client makes (getKmsList, getKmsInfo, getKmsOnChainDetail, getAppEnvEncryptPubKey, nextAppIds,
// getCvmInfo, getCvmComposeFile, updateCvmEnvs in both outcomes) and an explicit parse of each raw
// response with the SDK's exported zod schema, so a shape the SDK would reject fails here. @phala/cloud
// 0.2.9 predates the contract-centric API (2026-06-23): those responses are checked against zod
// schemas written here from research/phala-api-2026-06.md §2 (the newer SDK's strict envelopes).
// Needs SIM_BIN and SIM_SEED (set by tests/node/CMakeLists.txt); starts and stops its own simulator.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  createClient,
  GetAppEnvEncryptPubKeySchema,
  GetKmsListSchema,
  GetKmsOnChainDetailResponseSchema,
  KmsInfoSchema,
  LooseAppComposeSchema,
  CvmInfoDetailV20260121Schema,
  NextAppIdsSchema,
  UpdateCvmEnvsResultSchema,
} from '@phala/cloud';
import { encryptEnvVars } from '@phala/dstack-sdk/encrypt-env-vars';
import { z } from 'zod';

const KEY = 'phak_test_key';
const PHALA_CVM = 'cvm_phala01';
const BASE_CVM = 'cvm_base01';
const BASE_APP = '0b5e6d8f1a2c3e4f5a6b7c8d9e0f1a2b3c4d5e6f';

let sim;
let dir;
let base;
let client;

// Raw JSON of an API call, for the explicit schema checks.
async function raw(path, init = {}) {
  const res = await fetch(`${base}/api/v1${path}`, {
    ...init,
    headers: { 'X-API-Key': KEY, 'Content-Type': 'application/json', ...(init.headers || {}) },
  });
  return { status: res.status, json: await res.json() };
}

before(async () => {
  assert.ok(process.env.SIM_BIN, 'SIM_BIN must point at phala-cloud-sim');
  assert.ok(process.env.SIM_SEED, 'SIM_SEED must point at a seed file');
  dir = mkdtempSync(join(tmpdir(), 'cloud-sdk-'));
  const portFile = join(dir, 'port');
  sim = spawn(process.env.SIM_BIN,
    ['--seed', process.env.SIM_SEED, '--port', '0', '--port-file', portFile, '--quiet'],
    { stdio: 'ignore' });
  let port = 0;
  for (let i = 0; i < 500 && !port; i++) {
    try { port = parseInt(readFileSync(portFile, 'utf8'), 10) || 0; } catch { /* not written yet */ }
    if (!port) await new Promise((r) => setTimeout(r, 10));
  }
  assert.ok(port > 0, 'simulator did not write its port file');
  base = `http://127.0.0.1:${port}`;
  client = createClient({ apiKey: KEY, baseURL: `${base}/api/v1` });
});

after(() => {
  if (sim) sim.kill('SIGTERM');
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe('@phala/cloud against the simulator', () => {
  test('getKmsList: one page, filter, strict envelope', async () => {
    const all = await client.getKmsList();
    assert.equal(all.total, 3);
    assert.equal(all.items.length, 3);
    const page = await client.getKmsList({ page: 1, page_size: 2 });
    assert.equal(page.items.length, 2);
    assert.equal(page.pages, 2);
    const onchain = await client.getKmsList({ is_onchain: true });
    assert.deepEqual(onchain.items.map((k) => k.id), ['kms_base01']);
    assert.equal(onchain.items[0].chain.id, 8453, 'the SDK attaches viem\'s base chain');
    const r = await raw('/kms?page=1&page_size=100');
    GetKmsListSchema.parse(r.json); // .strict(): no extra envelope keys allowed
  });

  test('getKmsInfo by id and slug', async () => {
    const k = await client.getKmsInfo({ kms_id: 'kms_base01' });
    assert.equal(k.slug, 'kms-base-prod1');
    assert.equal(k.chain_id, 8453);
    const p = await client.getKmsInfo({ kms_id: 'phala-prod1' });
    assert.equal(p.id, 'kms_phala01');
    assert.equal(p.chain_id, null);
    KmsInfoSchema.parse((await raw('/kms/kms_base01')).json);
    KmsInfoSchema.parse((await raw('/kms/kms_phala01')).json);
  });

  test('getKmsOnChainDetail', async () => {
    const d = await client.getKmsOnChainDetail({ chain: 'base' });
    assert.equal(d.chain_id, 8453);
    assert.equal(d.contracts[0].devices.length, 3);
    const parsed = GetKmsOnChainDetailResponseSchema.parse((await raw('/kms/on-chain/base')).json);
    // The §3 anchors survive the SDK's passthrough schema.
    assert.match(parsed.contracts[0].k256_pubkey, /^0x0[23][0-9a-f]{64}$/);
    assert.equal(parsed.contracts[0].gateway_contract_address, '0x18a3ab8bd0e5a7b0ff4c3c8e2c4f9a2b8d7c6e5f');
  });

  test('getAppEnvEncryptPubKey (strict: exactly public_key + signature)', async () => {
    const pk = await client.getAppEnvEncryptPubKey({ kms: 'kms-base-prod1', app_id: BASE_APP });
    assert.match(pk.public_key, /^[0-9a-f]{64}$/);
    assert.match(pk.signature, /^[0-9a-f]{130}$/);
    const withPrefix = await client.getAppEnvEncryptPubKey({ kms: 'kms-base-prod1', app_id: `0x${BASE_APP}` });
    assert.equal(withPrefix.public_key, pk.public_key);
    GetAppEnvEncryptPubKeySchema.parse((await raw(`/kms/kms-base-prod1/pubkey/${BASE_APP}`)).json);
  });

  test('nextAppIds (strict)', async () => {
    const ids = await client.nextAppIds({ counts: 3 });
    assert.equal(ids.app_ids.length, 3);
    for (const a of ids.app_ids) assert.match(a.app_id, /^[0-9a-f]{40}$/);
    NextAppIdsSchema.parse((await raw('/kms/phala/next_app_id?counts=2')).json);
  });

  test('getCvmInfo and getCvmComposeFile', async () => {
    const cvm = await client.getCvmInfo({ id: PHALA_CVM });
    assert.equal(cvm.name, 'demo-app');
    assert.equal(cvm.kms_type, 'phala');
    assert.match(cvm.kms_info.encrypted_env_pubkey, /^[0-9a-f]{64}$/);
    const byApp = await client.getCvmInfo({ app_id: BASE_APP });
    assert.equal(byApp.id, BASE_CVM);
    CvmInfoDetailV20260121Schema.parse((await raw(`/cvms/${PHALA_CVM}`)).json);
    CvmInfoDetailV20260121Schema.parse((await raw(`/cvms/${BASE_CVM}`)).json);
    assert.equal((await raw(`/cvms/${BASE_CVM}`)).json.kms_contract_id, 'kc_base01');
    const compose = await client.getCvmComposeFile({ id: PHALA_CVM });
    assert.deepEqual(compose.allowed_envs, ['API_KEY', 'DATABASE_URL']);
    LooseAppComposeSchema.parse((await raw(`/cvms/${PHALA_CVM}/compose_file`)).json);
  });

  test('updateCvmEnvs → in_progress (Phala KMS)', async () => {
    const cvm = await client.getCvmInfo({ id: PHALA_CVM });
    const enc = await encryptEnvVars([{ key: 'API_KEY', value: 'v' }, { key: 'DATABASE_URL', value: 'd' }],
      cvm.kms_info.encrypted_env_pubkey);
    const r = await client.updateCvmEnvs({ id: PHALA_CVM, encrypted_env: enc, env_keys: ['API_KEY', 'DATABASE_URL'] });
    assert.equal(r.status, 'in_progress');
    assert.equal(r.allowed_envs_changed, false);
    UpdateCvmEnvsResultSchema.parse(r);
    const seen = await (await fetch(`${base}/_sim/envs/${PHALA_CVM}`)).json();
    assert.deepEqual(seen.env, [{ key: 'API_KEY', value: 'v' }, { key: 'DATABASE_URL', value: 'd' }]);
  });

  test('updateCvmEnvs → precondition_required (on-chain KMS), then phase 2', async () => {
    const pk = await client.getAppEnvEncryptPubKey({ kms: 'kms-base-prod1', app_id: BASE_APP });
    const enc = await encryptEnvVars([{ key: 'API_KEY', value: 'a' }, { key: 'EXTRA', value: 'b' }], pk.public_key);
    const r1 = await client.updateCvmEnvs({ id: BASE_CVM, encrypted_env: enc, env_keys: ['API_KEY', 'EXTRA'] });
    assert.equal(r1.status, 'precondition_required');
    assert.match(r1.compose_hash, /^[0-9a-f]{64}$/);
    assert.equal(r1.app_id, BASE_APP);
    assert.equal(r1.kms_info.id, 'kms_base01');
    UpdateCvmEnvsResultSchema.parse(r1);
    const reg = await (await fetch(`${base}/_sim/chain/register`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ app_id: BASE_APP, compose_hash: r1.compose_hash }),
    })).json();
    const r2 = await client.updateCvmEnvs({
      id: BASE_CVM, encrypted_env: enc, env_keys: ['API_KEY', 'EXTRA'],
      compose_hash: r1.compose_hash, transaction_hash: reg.transaction_hash,
    });
    assert.equal(r2.status, 'in_progress');
    assert.equal(r2.allowed_envs_changed, true);
    UpdateCvmEnvsResultSchema.parse(r2);
  });
});

// The contract-centric endpoints, as the fact sheet gives the newer SDK's zod schemas (§2.1–§2.3).
const KmsContract = z.object({
  id: z.string(), slug: z.string().nullable(), label: z.string().nullable(),
  contract_address: z.string(), chain_id: z.number(), k256_pubkey: z.string().nullable(),
  ca_pubkey: z.string().nullable(), node_count: z.number(),
}).passthrough();
const ListKmsContracts = z.object({
  items: z.array(KmsContract), total: z.number(), page: z.number(), page_size: z.number(), pages: z.number(),
}).strict();
const KmsContractNodes = z.object({
  items: z.array(z.object({
    id: z.string(), slug: z.string().nullable(), url: z.string(), version: z.string(), kms_type: z.string(),
  }).passthrough()),
  total: z.number(),
}).strict();
const NEW = { headers: { 'X-Phala-Version': '2026-06-23' } };

describe('contract-centric KMS (2026-06-23) against the fact sheet\'s schemas', () => {
  test('GET /kms, /kms/{slug}, /kms/{kc_id}, /kms/{slug}/nodes', async () => {
    const list = ListKmsContracts.parse((await raw('/kms?page_size=100', NEW)).json);
    assert.deepEqual(list.items.map((c) => c.slug), ['phala', 'base']);
    const base = KmsContract.parse((await raw('/kms/base', NEW)).json);
    assert.deepEqual(KmsContract.parse((await raw(`/kms/${base.id}`, NEW)).json), base);
    const nodes = KmsContractNodes.parse((await raw('/kms/base/nodes', NEW)).json);
    assert.equal(nodes.total, base.node_count);
  });

  test('the replica-safe pubkey lookup verifies against the contract key', async () => {
    const base = (await raw('/kms/base', NEW)).json;
    const r = await raw(`/kms/base/pubkey/${BASE_APP}`, NEW);
    GetAppEnvEncryptPubKeySchema.parse(r.json);
    const { verifyEnvEncryptPublicKeyLegacy } = await import('@phala/dstack-sdk/verify-env-encrypt-public-key');
    const signer = await verifyEnvEncryptPublicKeyLegacy(Buffer.from(r.json.public_key, 'hex'),
      Buffer.from(r.json.signature, 'hex'), BASE_APP);
    assert.equal(signer, base.k256_pubkey);
  });
});
