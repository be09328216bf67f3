// sdk_add_compose_hash.test.mjs — @phala/cloud's own addComposeHash (the CLI's phase-1 → chain step) against
// the chain.mjs node and a ComposeHashApp contract: it succeeds, the hash becomes allowed, and the transaction's
// input is exactly `pktool eth-calldata <hash>`; its owner and balance pre-checks fail where they should.
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { SEL, TOPIC_COMPOSE_HASH_ADDED } from './chain.mjs';
import { composeHashAppAbi, requirePkg, startChainProcess, viemFor } from './harness.mjs';

const { addComposeHash } = requirePkg('@phala/cloud');

let chain;
let info;
let eth;
let abi;

before(async () => {
  chain = await startChainProcess();
  info = chain.info;
  eth = viemFor(info);
  abi = composeHashAppAbi();
});

after(async () => {
  if (chain) await chain.stop();
});

const newHash = () => randomBytes(32).toString('hex'); // the API's form: 64 hex, no 0x

/** The calldata the C side sends for addComposeHash(hash): `pktool eth-calldata HASH` ($PKTOOL). */
function pktoolCalldata(hash) {
  const pktool = process.env.PKTOOL;
  assert.ok(pktool, 'PKTOOL must point at the pktool binary (set by tests/eth/CMakeLists.txt)');
  return execFileSync(pktool, ['eth-calldata', hash], { encoding: 'utf8' }).trim();
}

/**
 * SDK's addComposeHash with the CLI's options: viem's own chain object for the id (base for 8453, as
 * `phala envs update` picks it) with the rpcUrl override, and a private key. The SDK console.logs the
 * receipt's logs on success; that noise is kept out of the test output.
 */
async function sdkAdd(key, appId, composeHash, extra = {}) {
  const log = console.log;
  console.log = () => {};
  try {
    return await addComposeHash({ chain: cliChain(), rpcUrl: info.rpc_url, appId, composeHash, privateKey: key, ...extra });
  } finally {
    console.log = log;
  }
}

function cliChain() {
  const { base, mainnet, anvil } = requirePkg('viem/chains');
  return { 1: mainnet, 8453: base, 31337: anvil }[info.chain_id] || eth.chain;
}

async function allowed(address, hash) {
  return eth.publicClient.readContract({ address, abi, functionName: 'allowedComposeHashes', args: [`0x${hash}`] });
}

describe('@phala/cloud addComposeHash against the test chain', () => {
  test('registers the hash; the transaction input equals pktool eth-calldata', async () => {
    const hash = newHash();
    const appId = info.apps[0].slice(2); // the API hands out app_id without 0x
    assert.equal(await allowed(info.apps[0], hash), false);
    const res = await sdkAdd(info.owner_key, appId, hash);
    assert.match(res.transactionHash, /^0x[0-9a-f]{64}$/);
    assert.equal(res.composeHash, `0x${hash}`);
    assert.equal(res.appAuthAddress.toLowerCase(), info.apps[0]);
    assert.equal(await allowed(info.apps[0], hash), true);

    const tx = await eth.publicClient.getTransaction({ hash: res.transactionHash });
    assert.equal(tx.to.toLowerCase(), info.apps[0]);
    assert.equal(tx.from.toLowerCase(), info.owner_address);
    assert.equal(tx.input, pktoolCalldata(hash));
    assert.equal(tx.input, `${SEL.addComposeHash}${hash}`, 'the documented form 0xdfc77223 || hash');

    const receipt = await eth.publicClient.getTransactionReceipt({ hash: res.transactionHash });
    const log = receipt.logs.find((l) => l.topics[0] === TOPIC_COMPOSE_HASH_ADDED);
    assert.ok(log, 'ComposeHashAdded emitted');
    assert.equal(log.address.toLowerCase(), info.apps[0]);
    assert.equal(log.data, `0x${hash}`);
  });

  test('accepts a 0x-prefixed hash and app id the same way', async () => {
    const hash = newHash();
    const res = await sdkAdd(info.owner_key, info.apps[1], `0x${hash}`);
    const tx = await eth.publicClient.getTransaction({ hash: res.transactionHash });
    assert.equal(tx.input, pktoolCalldata(`0x${hash}`));
    assert.equal(await allowed(info.apps[1], hash), true);
  });

  test('a wallet that is not the contract owner is refused before sending', async () => {
    const before = await eth.publicClient.getTransactionCount({ address: info.other_address });
    await assert.rejects(sdkAdd(info.other_key, info.apps[0], newHash()), /is not the owner/);
    assert.equal(await eth.publicClient.getTransactionCount({ address: info.other_address }), before);
  });

  test('the poor owner of apps[2] fails the 0.001 ETH balance check', async () => {
    await assert.rejects(sdkAdd(info.poor_key, info.apps[2], newHash()), /Insufficient balance/);
  });

  test('a wallet on the wrong chain id fails the network check', async () => {
    const wrong = { ...eth.chain, id: info.chain_id + 1 };
    await assert.rejects(sdkAdd(info.owner_key, info.apps[0], newHash(), { chain: wrong }), /Network mismatch/);
  });
});
