// safe_exec.test.mjs — a Safe 2-of-3 as an app's owner, end to end on the chain (chain.mjs --safe): the
// C encoder (pk_safe_tool, $PK_SAFE_TOOL) writes the batch for the Safe's current nonce, the owners run
// it with protocol-kit (safe_exec.mjs), and the app's view calls show the effect; one owner is not
// enough, and a batch changed after it was written is refused.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { randomHash } from './chain.mjs';
import { startChainProcess, viemFor } from './harness.mjs';
import { safeArtifact } from './safe_deploy.mjs';
import { safeKit } from './safe_exec.mjs';

const run = promisify(execFile);
let c;
let infoFile;
before(async () => {
  c = await startChainProcess({ safe: true });
  infoFile = join(c.dir, 'chain.json');
});
after(async () => c && (await c.stop()));

async function rpc(method, params = []) {
  const res = await fetch(c.info.rpc_url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const j = await res.json();
  if (j.error) throw new Error(`${method}: ${j.error.message}`);
  return j.result;
}
const view = async (to, data) => BigInt(await rpc('eth_call', [{ to, data }, 'latest']));
const word = (h) => h.slice(2);
// The policy as the app's view calls show it, and the Safe's nonce.
async function state(hash, device) {
  const app = c.info.safe_app;
  return {
    hash: await view(app, `0x2f6622e5${word(hash)}`),
    device: await view(app, `0xbf8b211b${word(device)}`),
    allowAny: await view(app, '0x3440a16a'),
    nonce: await view(c.info.safe.address, '0xaffed0e0'),
  };
}

/** The C side writes the batch file for the Safe's current nonce (read by the tool). */
async function writeBatch(name, callArgs) {
  const file = join(c.dir, name);
  assert.ok(process.env.PK_SAFE_TOOL, 'PK_SAFE_TOOL must point at pk_safe_tool (set by tests/eth/CMakeLists.txt)');
  await run(process.env.PK_SAFE_TOOL, ['--chain-id', String(c.info.chain_id), '--safe', c.info.safe.address,
    '--app', c.info.safe_app, '--nonce-from', c.info.rpc_url, '--multisend', c.info.safe.multisend_call_only,
    '--out', file, ...callArgs]);
  return file;
}

/** safe_exec.mjs as a user runs it: {code, out, err}. */
async function safeExec(batch, keys) {
  try {
    const r = await run(process.execPath, [join(import.meta.dirname, 'safe_exec.mjs'), '--info', infoFile,
      '--batch', batch, '--owner-keys', keys.join(',')]);
    return { code: 0, out: JSON.parse(r.stdout), err: r.stderr };
  } catch (e) {
    return { code: e.code, out: null, err: e.stderr };
  }
}

test('2-of-3 Safe: one owner fails, a changed batch is refused, two owners execute it', async () => {
  const keys = c.info.safe.owner_keys;
  const h1 = randomHash();
  const d1 = randomHash();
  const batch = await writeBatch('policy.json', [`add-hash:${h1}`, `add-device:${d1}`, 'allow-any:false']);
  const before = await state(h1, d1);
  assert.deepEqual(before, { hash: 0n, device: 0n, allowAny: 1n, nonce: 0n });

  // One owner is below the threshold: nothing is executed.
  const one = await safeExec(batch, [keys[0]]);
  assert.equal(one.code, 1, one.err);
  assert.match(one.err, /signature missing/);
  assert.deepEqual(await state(h1, d1), before, 'nothing changed');
  // Not only protocol-kit's check: the Safe itself refuses one owner's signature (GS020).
  const b0 = JSON.parse(readFileSync(batch, 'utf8')).safeTransaction;
  const kit = await safeKit(c.info, keys[0]);
  const signed = await kit.signTransaction(await kit.createTransaction({
    transactions: [{ to: b0.to, value: '0', data: b0.data, operation: b0.operation }], options: { nonce: b0.nonce } }));
  const { viem } = viemFor(c.info);
  const exec = viem.encodeFunctionData({
    abi: safeArtifact('SafeL2.sol/SafeL2.json').abi,
    functionName: 'execTransaction',
    args: [b0.to, 0n, b0.data, b0.operation, 0n, 0n, 0n, b0.gasToken, b0.refundReceiver, signed.encodedSignatures()],
  });
  await assert.rejects(rpc('eth_call', [{ from: c.info.safe.owners[1], to: c.info.safe.address, data: exec }, 'latest']),
    /GS020/);

  // The batch changed after it was written (another compose hash in both parts): refused by the hash.
  const b = JSON.parse(readFileSync(batch, 'utf8'));
  const h2 = randomHash();
  const tampered = join(c.dir, 'tampered.json');
  writeFileSync(tampered, JSON.stringify(b).replaceAll(word(h1), word(h2)));
  const t = await safeExec(tampered, [keys[0], keys[1]]);
  assert.equal(t.code, 1, t.err);
  assert.match(t.err, /refused: safeTxHash mismatch/);
  // Only the Transaction Builder part changed (what the Safe app would show): refused too.
  const shown = structuredClone(b);
  shown.transactions[0].data = shown.transactions[0].data.replace(word(h1), word(h2));
  writeFileSync(tampered, JSON.stringify(shown));
  const s = await safeExec(tampered, [keys[0], keys[1]]);
  assert.equal(s.code, 1, s.err);
  assert.match(s.err, /refused: the Transaction Builder transactions are not the safeTransaction/);
  assert.deepEqual(await state(h1, d1), before, 'nothing changed');
  assert.equal(await view(c.info.safe_app, `0x2f6622e5${word(h2)}`), 0n);

  // Two owners: executed; the view calls show all three effects and the nonce moved on.
  const two = await safeExec(batch, [keys[0], keys[1]]);
  assert.equal(two.code, 0, two.err);
  assert.equal(two.out.safeTxHash, b.safeTransaction.safeTxHash);
  assert.deepEqual(two.out.signers, c.info.safe.owners.slice(0, 2));
  const receipt = await rpc('eth_getTransactionReceipt', [two.out.executionTxHash]);
  assert.equal(receipt.to.toLowerCase(), c.info.safe.address);
  assert.deepEqual(await state(h1, d1), { hash: 1n, device: 1n, allowAny: 0n, nonce: 1n });

  // The same file again: its nonce is spent, protocol-kit's hash for it still matches, execution fails.
  const again = await safeExec(batch, [keys[1], keys[2]]);
  assert.equal(again.code, 1, again.err);

  // A single call at the next nonce (read by the tool), by the other two owners: a direct CALL.
  const single = await writeBatch('remove.json', [`remove-hash:${h1}`]);
  assert.equal(JSON.parse(readFileSync(single, 'utf8')).safeTransaction.nonce, 1);
  assert.equal(JSON.parse(readFileSync(single, 'utf8')).safeTransaction.operation, 0);
  const r = await safeExec(single, [keys[2], keys[1]]);
  assert.equal(r.code, 0, r.err);
  assert.deepEqual(await state(h1, d1), { hash: 0n, device: 1n, allowAny: 0n, nonce: 2n });
});
