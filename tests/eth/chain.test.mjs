// chain.test.mjs — the contract of chain.mjs that the C, shell and Node on-chain tests rely on: the info file
// (keys, addresses, balances, three deployed apps, apps[2] owned by poor), --chain-id, an rpc_url on
// 127.0.0.1, and a clean exit on SIGTERM and SIGINT.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { OWNER_KEY, OTHER_KEY, POOR_KEY, POOR_BALANCE, RICH_BALANCE } from './chain.mjs';
import { loadArtifact } from './contract.mjs';
import { startChainProcess } from './harness.mjs';

async function rpc(url, method, params = []) {
  const res = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const j = await res.json();
  if (j.error) throw new Error(`${method}: ${j.error.message}`);
  return j.result;
}

const word = (addr) => `0x${addr.slice(2).padStart(64, '0')}`;

test('default chain: info file, accounts, contracts; SIGTERM exits 0', async () => {
  const c = await startChainProcess();
  try {
    const i = c.info;
    assert.deepEqual(Object.keys(i).sort(),
      ['apps', 'chain_id', 'kms', 'other_address', 'other_key', 'owner_address', 'owner_key', 'pid', 'poor_address',
        'poor_key', 'rpc_url'].sort());
    assert.match(i.rpc_url, /^http:\/\/127\.0\.0\.1:\d+$/);
    assert.equal(i.chain_id, 8453);
    assert.equal(i.pid, c.proc.pid);
    assert.equal(i.owner_key, OWNER_KEY);
    assert.equal(i.other_key, OTHER_KEY);
    assert.equal(i.poor_key, POOR_KEY);
    assert.equal(i.owner_address, '0x90f8bf6a479f320ead074411a4b0e7944ea8c9c1');
    assert.equal(i.other_address, '0xffcf8fdee72ac11b5c542428b35eef5769c409f0');
    assert.equal(i.poor_address, '0x22d491bde2303f2f43325b2108d26f1eaba1e32b');
    assert.equal(await rpc(i.rpc_url, 'eth_chainId'), '0x2105');
    assert.equal(BigInt(await rpc(i.rpc_url, 'eth_getBalance', [i.poor_address, 'latest'])), POOR_BALANCE);
    assert.equal(BigInt(await rpc(i.rpc_url, 'eth_getBalance', [i.other_address, 'latest'])), RICH_BALANCE);
    assert.ok(BigInt(await rpc(i.rpc_url, 'eth_getBalance', [i.owner_address, 'latest'])) < RICH_BALANCE); // paid gas
    assert.equal(i.apps.length, 3);
    assert.equal(new Set(i.apps).size, 3);
    const runtime = loadArtifact().deployedBytecode;
    for (const [n, app] of i.apps.entries()) {
      assert.match(app, /^0x[0-9a-f]{40}$/);
      assert.equal(await rpc(i.rpc_url, 'eth_getCode', [app, 'latest']), runtime, `apps[${n}] code`);
      const owner = await rpc(i.rpc_url, 'eth_call', [{ to: app, data: '0x8da5cb5b' }, 'latest']);
      assert.equal(owner, word(n === 2 ? i.poor_address : i.owner_address), `apps[${n}] owner`);
    }
    // The DstackKms stand-in: every app registered (AppRegistered), no k256 key until a test sets one.
    assert.match(i.kms, /^0x[0-9a-f]{40}$/);
    assert.equal(await rpc(i.rpc_url, 'eth_getCode', [i.kms, 'latest']), loadArtifact('KmsStandIn').deployedBytecode);
    for (const app of i.apps) {
      const reg = await rpc(i.rpc_url, 'eth_call', [{ to: i.kms, data: `0xa6c4cce9${word(app).slice(2)}` }, 'latest']);
      assert.equal(reg, word('0x1'), `${app} registered on the KMS`);
    }
    const other = await rpc(i.rpc_url, 'eth_call', [{ to: i.kms, data: `0xa6c4cce9${word(i.other_address).slice(2)}` }, 'latest']);
    assert.equal(other, word('0x0'), 'an address that is no app is not registered');
    const info = await rpc(i.rpc_url, 'eth_call', [{ to: i.kms, data: '0x09177063' }, 'latest']);
    assert.equal(info.slice(2 + 4 * 64, 2 + 5 * 64), word('0x0').slice(2), 'no k256 key set yet');
    // Deterministic: the same deployer nonces give the same addresses on every run.
    assert.deepEqual(i.apps, ['0xe78a0f7e598cc8b0bb87894b0f60dd2a88d6a8ab', '0x5b1869d9a4c187f2eaa108f3062412ecf0526b24',
      '0xcfeb869f69431e42cdb54a4f4f105c19c080a601']);
  } finally {
    const exit = once(c.proc, 'exit');
    c.proc.kill('SIGTERM');
    const [code, signal] = await exit;
    assert.equal(code, 0);
    assert.equal(signal, null);
    await c.stop();
  }
});

test('--chain-id 31337 and SIGINT', async () => {
  const c = await startChainProcess({ chainId: 31337 });
  try {
    assert.equal(c.info.chain_id, 31337);
    assert.equal(await rpc(c.info.rpc_url, 'eth_chainId'), '0x7a69');
    assert.equal(await rpc(c.info.rpc_url, 'net_version'), '31337');
  } finally {
    const exit = once(c.proc, 'exit');
    c.proc.kill('SIGINT');
    const [code] = await exit;
    assert.equal(code, 0);
    await c.stop();
  }
});

test('--safe: the apps above unchanged, a 2-of-3 Safe 1.4.1 owning apps[3]', async () => {
  const c = await startChainProcess({ safe: true });
  try {
    const i = c.info;
    const s = i.safe;
    assert.deepEqual(i.apps.slice(0, 3), ['0xe78a0f7e598cc8b0bb87894b0f60dd2a88d6a8ab',
      '0x5b1869d9a4c187f2eaa108f3062412ecf0526b24', '0xcfeb869f69431e42cdb54a4f4f105c19c080a601']);
    assert.equal(i.apps.length, 4);
    assert.equal(i.safe_app, i.apps[3]);
    const call = (to, data) => rpc(i.rpc_url, 'eth_call', [{ to, data }, 'latest']);
    assert.equal(await call(i.safe_app, '0x8da5cb5b'), word(s.address), 'the safe app is owned by the Safe');
    assert.equal(await call(i.kms, `0xa6c4cce9${word(i.safe_app).slice(2)}`), word('0x1'), 'registered on the KMS');
    // The Safe answers as one: VERSION(), getThreshold(), getOwners(), nonce().
    const version = await call(s.address, '0xffa1ad74');
    assert.equal(Buffer.from(version.slice(2 + 128, 2 + 128 + 10), 'hex').toString(), '1.4.1');
    assert.equal(BigInt(await call(s.address, '0xe75235b8')), 2n);
    assert.equal(s.threshold, 2);
    assert.equal(BigInt(await call(s.address, '0xaffed0e0')), 0n);
    const owners = await call(s.address, '0xa0e67e2b');
    assert.equal(BigInt(`0x${owners.slice(2 + 64, 2 + 128)}`), 3n);
    for (let k = 0; k < 3; k++) {
      assert.equal(`0x${owners.slice(2 + 128 + 64 * k + 24, 2 + 128 + 64 * (k + 1))}`, s.owners[k]);
      assert.ok(BigInt(await rpc(i.rpc_url, 'eth_getBalance', [s.owners[k], 'latest'])) > 0n, `owner ${k} funded`);
    }
    assert.equal(s.owner_keys.length, 3);
    assert.equal(s.multisend_call_only, s.contract_networks.multiSendCallOnlyAddress);
    for (const [k, a] of Object.entries(s.contract_networks)) {
      assert.ok((await rpc(i.rpc_url, 'eth_getCode', [a, 'latest'])).length > 2, `${k} has code`);
    }
  } finally {
    await c.stop();
  }
});
