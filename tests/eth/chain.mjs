// chain.mjs — the on-chain tests' Ethereum node: in-process ganache on 127.0.0.1 (free port, instamine,
// deterministic funded accounts) with three ComposeHashApp contracts deployed and registered on a
// KmsStandIn (the DstackKms stand-in; its k256 key is set by the test once the simulator runs, see
// kms_sync in tests/acceptance/onchain_lib.sh); the C, shell and Node tests use it. With --safe also Safe
// 1.4.1 and a 2-of-3 Safe owning a fourth app (safe_deploy.mjs), deployed last.
// CLI: node tests/eth/chain.mjs --info-file PATH [--chain-id 8453] [--verbose] [--safe]; also importable
// (startChain).
import { randomBytes } from 'node:crypto';
import { renameSync, writeFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileInWorker, loadArtifacts, requirePkg } from './contract.mjs';
import { deploySafe, SAFE_OWNER_BALANCE, SAFE_OWNER_KEYS } from './safe_deploy.mjs';

export const OWNER_KEY = '0x4f3edf983ac636a65a842ce7c78d9aa706d3b113bce9c46f30d7d21715b23b1d';
export const OTHER_KEY = '0x6cbed15c793ce57650b9877cf6fa156fbef513c4e6134f022a85b1ffdd59b2a1';
export const POOR_KEY = '0x6370fd033278c143179d81c5526140625662b8daa446c22ee2d73db3707e620c';
const ETH = 10n ** 18n;
export const RICH_BALANCE = 1000n * ETH;
export const POOR_BALANCE = ETH / 10000n; // 0.0001 ETH: below @phala/cloud's 0.001 ETH minimum

// Selectors / topics of the DstackApp compose-hash and device interfaces (research/phala-api.md §6.3,
// phala-api-2026-06.md §4.6).
export const SEL = Object.freeze({
  addComposeHash: '0xdfc77223',
  removeComposeHash: '0x67b3f22c',
  allowedComposeHashes: '0x2f6622e5',
  owner: '0x8da5cb5b',
  transferOwnership: '0xf2fde38b',
  addDevice: '0x2a819728',
  removeDevice: '0x1d266200',
  setAllowAnyDevice: '0x7c4beeb8',
  allowedDeviceIds: '0xbf8b211b',
  allowAnyDevice: '0x3440a16a',
  // The stand-in's test switch (not in DstackApp): 0 both events, 1 legacy only, 2 PolicyChanged only.
  setEventMode: '0x2a030f44',
  eventMode: '0x0ce978e2',
  // KmsStandIn (DstackKms): kmsInfo(), registeredApps(address), registerApp(address), setK256Pubkey(bytes)
  kmsInfo: '0x09177063',
  registeredApps: '0xa6c4cce9',
  registerApp: '0x17a1d80f',
  setK256Pubkey: '0x63dbe3e6',
});
export const TOPIC_COMPOSE_HASH_ADDED = '0xfecb34306dd9d8b785b54d65489d06afc8822a0893ddacedff40c50a4942d0af';
export const TOPIC_DEVICE_ADDED = '0x67fc71ab96fe3fa3c6f78e9a00e635d591b7333ce611c0380bc577aac702243b';
export const TOPIC_COMPOSE_HASH_REMOVED_PREFIX = '0x755b79bd';
// PolicyChanged(address indexed actor, bytes32 indexed policy, bytes32 indexed value, bool enabled)
export const TOPIC_POLICY_CHANGED = '0x341d3bc64e32172fc5bcf27b0f7f69dc5adc19af64b7aa1dee361e5883c32375';
export const POLICY = Object.freeze({
  composeHash: '0x56bdf4352a9ceb1ba8f5c68066725c095e69c1d3f8a437290f0ac1da8fb4e19c', // keccak256("compose-hash")
  device: '0x8e7eff7e4a57bd436b18f220111863326b17773a8b4460f9fabd87a334233046', // keccak256("device")
  allowAnyDevice: '0x560720bbc77afadfad8faeab0a79cf66b13e5433c09dd9182d5d36413084a84e', // keccak256("allow-any-device")
});

const hex = (n) => `0x${n.toString(16)}`;
const word = (h) => h.replace(/^0x/i, '').toLowerCase().padStart(64, '0');

/**
 * Calldata for one of the interface's one-word functions, e.g. calldata('addComposeHash', hash);
 * a boolean argument is the word 0…01 / 0…00 (setAllowAnyDevice).
 */
export function calldata(fn, arg) {
  if (!SEL[fn]) throw new Error(`unknown function ${fn}`);
  if (typeof arg === 'boolean') return SEL[fn] + word(arg ? '1' : '0');
  return arg === undefined ? SEL[fn] : SEL[fn] + word(arg);
}

/** A random 0x-prefixed 32-byte hex string (e.g. a transaction hash that does not exist). */
export function randomHash() {
  return `0x${randomBytes(32).toString('hex')}`;
}

/**
 * Starts ganache in-process and deploys the contracts. Options: chainId (8453), verbose (false),
 * compileSource (true: compile ComposeHashApp.sol now; false: use the committed artifact), safe (false:
 * true adds Safe 1.4.1, a funded 2-of-3 Safe and apps[3] = safe_app owned by it; info.safe describes them).
 * Returns { info, server, provider, rpc(method, params), stop() }; info is the info-file object.
 */
export async function startChain({ chainId = 8453, verbose = false, compileSource = true, safe = false } = {}) {
  const compiled = compileSource ? compileInWorker() : Promise.resolve(loadArtifacts());
  compiled.catch(() => {}); // awaited below; avoid an unhandled rejection while ganache starts
  const ganache = requirePkg('ganache');
  const server = ganache.server({
    chain: { chainId, networkId: chainId, hardfork: 'shanghai' },
    wallet: {
      accounts: [
        { secretKey: OWNER_KEY, balance: hex(RICH_BALANCE) },
        { secretKey: OTHER_KEY, balance: hex(RICH_BALANCE) },
        { secretKey: POOR_KEY, balance: hex(POOR_BALANCE) },
        ...(safe ? SAFE_OWNER_KEYS.map((k) => ({ secretKey: k, balance: hex(SAFE_OWNER_BALANCE) })) : []),
      ],
    },
    miner: { instamine: 'eager' },
    logging: { quiet: !verbose },
    server: { ws: false },
  });
  await server.listen(0, '127.0.0.1');
  const { port } = server.address();
  const provider = server.provider;
  const rpc = (method, params = []) => provider.request({ method, params });
  let stopped = false;
  const stop = async () => {
    if (stopped) return;
    stopped = true;
    await server.close();
  };
  try {
    const artifacts = await compiled;
    const artifact = artifacts.ComposeHashApp;
    const [owner, other, poor] = await rpc('eth_accounts');
    const send = async (tx) => {
      const h = await rpc('eth_sendTransaction', [{ from: owner, gas: hex(1_000_000n), ...tx }]);
      const r = await rpc('eth_getTransactionReceipt', [h]);
      if (!r || r.status !== '0x1') throw new Error(`setup transaction ${h} failed`);
      return r;
    };
    const apps = [];
    for (let i = 0; i < 3; i++) apps.push((await send({ data: artifact.bytecode })).contractAddress);
    const kms = (await send({ data: artifacts.KmsStandIn.bytecode })).contractAddress;
    for (const app of apps) await send({ to: kms, data: calldata('registerApp', app) });
    await send({ to: apps[2], data: calldata('transferOwnership', poor) });
    const info = {
      rpc_url: `http://127.0.0.1:${port}`,
      chain_id: chainId,
      owner_key: OWNER_KEY,
      owner_address: owner,
      other_key: OTHER_KEY,
      other_address: other,
      poor_key: POOR_KEY,
      poor_address: poor,
      apps,
      kms,
      pid: process.pid,
    };
    if (safe) {
      // After every other deployment: the owner's nonces, so the addresses above, stay as they are.
      info.safe = await deploySafe({ send, rpc });
      const app = (await send({ data: artifact.bytecode })).contractAddress;
      await send({ to: kms, data: calldata('registerApp', app) });
      await send({ to: app, data: calldata('transferOwnership', info.safe.address) });
      apps.push(app);
      info.safe_app = app;
    }
    return { info, server, provider, rpc, stop, artifact };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** Writes obj as JSON to path atomically (temp file in the same directory, then rename). */
export function writeJsonAtomic(path, obj) {
  const tmp = `${path}.tmp.${process.pid}`;
  writeFileSync(tmp, `${JSON.stringify(obj, null, 2)}\n`);
  renameSync(tmp, path);
}

function usage(msg) {
  if (msg) console.error(`chain.mjs: ${msg}`);
  console.error('usage: node tests/eth/chain.mjs --info-file PATH [--chain-id N] [--verbose] [--use-artifact]\n' +
    '                                [--exit-with-parent] [--safe]');
  process.exit(2);
}

async function main(argv) {
  let infoFile = null;
  let chainId = 8453;
  let verbose = false;
  let compileSource = true;
  let exitWithParent = false;
  let safe = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--info-file') infoFile = argv[++i];
    else if (a === '--chain-id') chainId = Number(argv[++i]);
    else if (a === '--verbose') verbose = true;
    else if (a === '--use-artifact') compileSource = false;
    else if (a === '--exit-with-parent') exitWithParent = true;
    else if (a === '--safe') safe = true;
    else if (a === '--help' || a === '-h') usage();
    else usage(`unknown argument ${a}`);
  }
  if (!infoFile) usage('--info-file is required');
  if (!Number.isSafeInteger(chainId) || chainId <= 0) usage('--chain-id must be a positive integer');
  infoFile = resolve(infoFile);

  const t0 = Date.now();
  let chain;
  try {
    chain = await startChain({ chainId, verbose, compileSource, safe });
  } catch (e) {
    console.error(`chain.mjs: startup failed: ${e.stack || e}`);
    process.exit(1);
  }
  let shuttingDown = false;
  const shutdown = async (sig) => {
    if (shuttingDown) return;
    shuttingDown = true;
    if (verbose) console.error(`chain.mjs: ${sig}, stopping`);
    try {
      await chain.stop();
    } finally {
      process.exit(0);
    }
  };
  process.on('SIGTERM', () => shutdown('SIGTERM'));
  process.on('SIGINT', () => shutdown('SIGINT'));
  try {
    writeJsonAtomic(infoFile, chain.info);
  } catch (e) {
    console.error(`chain.mjs: cannot write ${infoFile}: ${e.message}`);
    await chain.stop();
    process.exit(1);
  }
  if (verbose) console.error(`chain.mjs: ${chain.info.rpc_url} chain ${chainId} ready in ${Date.now() - t0} ms`);
  if (exitWithParent) {
    // A crashed test must not leave the chain running (it would hold ctest's output pipe open).
    const parent = process.ppid;
    setInterval(() => {
      if (process.ppid !== parent) shutdown('parent exited');
    }, 500).unref();
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2));
}
