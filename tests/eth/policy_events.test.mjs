// policy_events.test.mjs — the stand-in's events for every policy change: DstackApp's legacy events
// and newer DstackApp's PolicyChanged (actor, policy id, value indexed; enabled in data), and the
// owner-only setEventMode switch (0 both, 1 legacy only, 2 PolicyChanged only) that lets a test make
// an entry whose only log is PolicyChanged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { calldata, OTHER_KEY, OWNER_KEY, POLICY, randomHash, TOPIC_COMPOSE_HASH_ADDED, TOPIC_POLICY_CHANGED } from './chain.mjs';
import { startChainProcess, stopChild, viemFor } from './harness.mjs';

const TOPIC = {
  addComposeHash: TOPIC_COMPOSE_HASH_ADDED,
  removeComposeHash: '0x755b79bd4b0eeab344d032284a99003b2ddc018b646752ac72d681593a6e8947',
  addDevice: '0x67fc71ab96fe3fa3c6f78e9a00e635d591b7333ce611c0380bc577aac702243b',
  removeDevice: '0xe0862975ac517b0478d308012afabc4bc37c23874a18144d7f2dfb852ff95c2c',
  setAllowAnyDevice: '0xbb2cdb6c7b362202d40373f87bc4788301cca658f91711ac1662e1ad2cba4a20',
};
const word = (h) => `0x${h.replace(/^0x/, '').padStart(64, '0')}`;

test('policy changes emit legacy events and PolicyChanged as setEventMode selects', async () => {
  const c = await startChainProcess();
  try {
    const { info } = c;
    const { publicClient, wallet } = viemFor(info);
    const owner = wallet(OWNER_KEY);
    const app = info.apps[0];
    const send = async (w, data) => {
      const h = await w.sendTransaction({ to: app, data, gas: 200000n });
      return publicClient.waitForTransactionReceipt({ hash: h });
    };
    const h = randomHash();
    const d = randomHash();
    const cases = [
      ['addComposeHash', h, POLICY.composeHash, h, true],
      ['removeComposeHash', h, POLICY.composeHash, h, false],
      ['addDevice', d, POLICY.device, d, true],
      ['removeDevice', d, POLICY.device, d, false],
      ['setAllowAnyDevice', false, POLICY.allowAnyDevice, word('0'), false],
    ];
    for (const mode of [0, 1, 2]) {
      if (mode) assert.equal((await send(owner, calldata('setEventMode', String(mode)))).status, 'success');
      for (const [fn, arg, policy, value, enabled] of cases) {
        const r = await send(owner, calldata(fn, arg));
        assert.equal(r.status, 'success', `${fn} mode ${mode}`);
        const legacy = r.logs.filter((l) => l.topics[0] === TOPIC[fn]);
        const pc = r.logs.filter((l) => l.topics[0] === TOPIC_POLICY_CHANGED);
        assert.equal(legacy.length, mode === 2 ? 0 : 1, `${fn} legacy log, mode ${mode}`);
        assert.equal(pc.length, mode === 1 ? 0 : 1, `${fn} PolicyChanged log, mode ${mode}`);
        assert.equal(r.logs.length, legacy.length + pc.length);
        if (legacy.length) assert.equal(legacy[0].data, fn === 'setAllowAnyDevice' ? word('0') : arg);
        if (pc.length) {
          assert.equal(pc[0].address, app);
          assert.deepEqual(pc[0].topics, [TOPIC_POLICY_CHANGED, word(info.owner_address), policy, value]);
          assert.equal(pc[0].data, word(enabled ? '1' : '0'));
        }
      }
    }
    // Only the owner flips the switch, and only to 0..2.
    const eventMode = async () => BigInt(await publicClient.call({ to: app, data: calldata('eventMode') }).then((x) => x.data));
    assert.equal(await eventMode(), 2n);
    const refused = async (p) => { try { return (await p).status !== 'success'; } catch { return true; } };
    assert.ok(await refused(send(wallet(OTHER_KEY), calldata('setEventMode', '0'))), 'not owner');
    assert.ok(await refused(send(owner, calldata('setEventMode', '3'))), 'mode 3');
    assert.equal(await eventMode(), 2n);
  } finally {
    await stopChild(c.proc);
  }
});
