// safe_encoder.test.mjs — kmsapi's Safe encoder (pk_safe_tx_build / pk_safe_batch_json through
// pk_safe_tool, $PK_SAFE_TOOL) against Safe's own SDK: for several call lists and nonces, the Safe
// transaction protocol-kit builds from the same calls (to, data, operation) and its safeTxHash are
// the batch file's, and each call's data is what viem encodes from the contract's ABI.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { composeHashAppAbi, requirePkg, startChainProcess, viemFor } from './harness.mjs';
import { randomHash } from './chain.mjs';
import { safeKit } from './safe_exec.mjs';

let c;
let kit;
before(async () => {
  c = await startChainProcess({ safe: true });
  kit = await safeKit(c.info, c.info.safe.owner_keys[0]);
});
after(async () => c && (await c.stop()));

/** Runs pk_safe_tool; returns the batch file object. */
export function cBatch(info, nonce, calls, extra = []) {
  const tool = process.env.PK_SAFE_TOOL;
  assert.ok(tool, 'PK_SAFE_TOOL must point at pk_safe_tool (set by tests/eth/CMakeLists.txt)');
  const out = execFileSync(tool, ['--chain-id', String(info.chain_id), '--safe', info.safe.address,
    '--app', info.safe_app, '--nonce', String(nonce), '--multisend', info.safe.multisend_call_only, ...extra,
    ...calls.map((x) => x.arg)], { encoding: 'utf8' });
  return JSON.parse(out);
}

// A call: the tool's argument, the ABI function and its argument, the text the batch must show.
const h = () => randomHash();
const call = {
  addHash: (v = h()) => ({ arg: `add-hash:${v}`, fn: 'addComposeHash', args: [v], text: `addComposeHash(${v})` }),
  removeHash: (v = h()) => ({ arg: `remove-hash:${v}`, fn: 'removeComposeHash', args: [v], text: `removeComposeHash(${v})` }),
  addDevice: (v = h()) => ({ arg: `add-device:${v}`, fn: 'addDevice', args: [v], text: `addDevice(${v})` }),
  removeDevice: (v = h()) => ({ arg: `remove-device:${v}`, fn: 'removeDevice', args: [v], text: `removeDevice(${v})` }),
  allowAny: (b) => ({ arg: `allow-any:${b}`, fn: 'setAllowAnyDevice', args: [b], text: `setAllowAnyDevice(${b})` }),
};

const LISTS = {
  'one call': () => [call.addHash()],
  'three mixed calls': () => [call.addHash(), call.addDevice(), call.allowAny(false)],
  'five calls': () => [call.removeHash(), call.addHash(), call.removeDevice(), call.allowAny(true), call.addDevice()],
};

for (const [name, make] of Object.entries(LISTS)) {
  for (const nonce of [0, 7]) {
    test(`${name}, nonce ${nonce}: the C batch = protocol-kit's Safe transaction`, async () => {
      const { viem } = viemFor(c.info);
      const abi = composeHashAppAbi();
      const calls = make();
      const b = cBatch(c.info, nonce, calls);
      const metas = calls.map((x) => ({
        to: c.info.safe_app,
        value: '0',
        data: viem.encodeFunctionData({ abi, functionName: x.fn, args: x.args }),
      }));
      // protocol-kit: one call as itself, several through MultiSendCallOnly (onlyCalls, its default).
      const tx = await kit.createTransaction({ transactions: metas, options: { nonce } });
      const st = b.safeTransaction;
      assert.equal(st.to, tx.data.to.toLowerCase());
      assert.equal(st.data, tx.data.data.toLowerCase());
      assert.equal(st.operation, tx.data.operation);
      assert.equal(st.nonce, nonce);
      assert.equal(st.value, '0');
      for (const k of ['safeTxGas', 'baseGas', 'gasPrice']) assert.equal(st[k], String(tx.data[k]), k);
      assert.equal(st.gasToken, tx.data.gasToken.toLowerCase());
      assert.equal(st.refundReceiver, tx.data.refundReceiver.toLowerCase());
      assert.equal(st.safe, c.info.safe.address);
      assert.equal(st.safeTxHash, (await kit.getTransactionHash(tx)).toLowerCase());
      if (calls.length > 1) assert.equal(st.to, c.info.safe.multisend_call_only);
      // The Transaction Builder part: one {to, value, data} per call, the app checksummed.
      assert.equal(b.version, '1.0');
      assert.equal(b.chainId, String(c.info.chain_id));
      assert.ok(Math.abs(b.createdAt - Date.now()) < 600_000, 'createdAt is now, in ms');
      assert.equal(b.meta.createdFromSafeAddress, viem.getAddress(c.info.safe.address));
      assert.deepEqual(b.transactions, metas.map((m) => ({ ...m, to: viem.getAddress(m.to) })));
      assert.deepEqual(b.calls, calls.map((x) => x.text));
    });
  }
}

test('the canonical MultiSendCallOnly 1.4.1 when none is named', async () => {
  const tool = process.env.PK_SAFE_TOOL;
  const calls = [call.addHash(), call.addDevice()];
  const out = JSON.parse(execFileSync(tool, ['--chain-id', '1', '--safe', c.info.safe.address, '--app',
    c.info.safe_app, '--nonce', '3', ...calls.map((x) => x.arg)], { encoding: 'utf8' }));
  // safe-deployments' own record of the address, not a copy of it.
  const d = requirePkg('@safe-global/safe-deployments').getMultiSendCallOnlyDeployment({ version: '1.4.1', network: '1' });
  assert.equal(out.safeTransaction.to, d.networkAddresses['1'].toLowerCase());
  assert.equal(out.safeTransaction.operation, 1);
});

test('malformed input: exit 1 and an error naming it', () => {
  const tool = process.env.PK_SAFE_TOOL;
  const run = (args) => {
    try {
      execFileSync(tool, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
      return null;
    } catch (e) {
      return { status: e.status, stderr: e.stderr };
    }
  };
  const base = ['--chain-id', '8453', '--nonce', '0'];
  let r = run([...base, '--safe', '0x1234', '--app', c.info.safe_app, `add-hash:${h()}`]);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /Safe "0x1234" is not an Ethereum address/);
  r = run([...base, '--safe', c.info.safe.address, '--app', 'zz', `add-hash:${h()}`]);
  assert.match(r.stderr, /app "zz" is not an Ethereum address/);
  r = run([...base, '--safe', c.info.safe.address, '--app', c.info.safe_app, `add-hash:${h()}`, 'add-device:0x12']);
  assert.equal(r.status, 1);
  assert.match(r.stderr, /call 2: the value is not 32 bytes of hex/);
  r = run([...base, '--safe', c.info.safe.address, '--app', c.info.safe_app]);
  assert.match(r.stderr, /needs calls/);
});
