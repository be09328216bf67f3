// harness.mjs — helpers for the on-chain Node tests: start/stop chain.mjs as a child process (through
// its --info-file contract), start/stop phala-cloud-sim with a generated seed and --rpc-url, viem clients
// for the test chain, and loaders for the npm packages in tests/node/node_modules.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requirePkg } from './contract.mjs';

const HERE = dirname(fileURLToPath(import.meta.url));
export const CHAIN_SCRIPT = join(HERE, 'chain.mjs');
export const API_KEY = 'phak_eth_test_key';
export { requirePkg };

const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Polls fn() until it returns a truthy value or ms elapse (then throws what). */
async function waitFor(fn, ms, what) {
  const end = Date.now() + ms;
  for (;;) {
    const v = fn();
    if (v) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await sleep(25);
  }
}

function readJson(path) {
  try {
    return JSON.parse(readFileSync(path, 'utf8'));
  } catch {
    return null;
  }
}

/**
 * Kills a child with SIGTERM and waits for it to exit (SIGKILL after ms); returns its exit code (null
 * when it died of a signal).
 */
export async function stopChild(child, ms = 5000) {
  if (!child) return 0;
  if (child.exitCode !== null || child.signalCode !== null) return child.exitCode;
  const done = new Promise((r) => child.once('exit', (code) => r(code)));
  child.kill('SIGTERM');
  const t = setTimeout(() => child.kill('SIGKILL'), ms);
  const code = await done;
  clearTimeout(t);
  return code;
}

/**
 * Starts `node chain.mjs` in a fresh temp dir; resolves { info, proc, dir, stop() } once the info
 * file appears (at most 60 s: a loaded CI box compiles solc slowly; 90 s with safe, which adds Safe 1.4.1).
 */
export async function startChainProcess({ chainId, safe = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'eth-chain-'));
  const infoFile = join(dir, 'chain.json');
  const args = [CHAIN_SCRIPT, '--info-file', infoFile];
  if (chainId) args.push('--chain-id', String(chainId));
  if (safe) args.push('--safe');
  const proc = spawn(process.execPath, args, { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  let exited = false;
  proc.once('exit', () => (exited = true));
  const stop = async () => {
    await stopChild(proc);
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const info = await waitFor(() => {
      if (exited) throw new Error(`chain.mjs exited early: ${stderr}`);
      return readJson(infoFile);
    }, safe ? 90000 : 60000, 'chain.mjs info file');
    return { info, proc, dir, stop };
  } catch (e) {
    await stop();
    throw e;
  }
}

/** The simulator seed for a chain: one on-chain KMS on chain.chain_id, one CVM per app contract. */
export function seedFor(info, { kmsChainId = info.chain_id } = {}) {
  const cvm = (i, addr) => ({
    id: `cvm_eth0${i}`,
    name: `eth-app-${i}`,
    app_id: addr.replace(/^0x/, '').toLowerCase(),
    kms_id: 'kms_eth01',
    compose_file: {
      docker_compose_file: 'services:\n  app:\n    image: nginx:stable\n    environment:\n      - API_KEY=${API_KEY}\n',
      allowed_envs: ['API_KEY'],
      manifest_version: 2,
      name: `eth-app-${i}`,
      runner: 'docker-compose',
      kms_enabled: true,
      gateway_enabled: true,
      public_logs: true,
      public_sysinfo: true,
      public_tcbinfo: true,
      local_key_provider_enabled: false,
      no_instance_id: false,
      secure_time: false,
      features: ['kms', 'tproxy-net'],
    },
  });
  return {
    api_key: API_KEY,
    kms: [
      {
        id: 'kms_eth01',
        slug: 'kms-eth-test',
        url: 'https://kms.eth-test.sim.phala.example',
        version: 'v0.5.7',
        chain_id: kmsChainId,
        kms_contract_address: '0x2f83172a49584c017f2b256f0fb2dca14126ba9c',
        gateway_app_id: '0x18a3ab8bd0e5a7b0ff4c3c8e2c4f9a2b8d7c6e5f',
        root_secret: '5eed00000000000000000000000000000000000000000000000000000000e701',
      },
    ],
    cvms: info.apps.map((a, i) => cvm(i, a)),
    next_app_id_base: 1,
  };
}

/**
 * Starts phala-cloud-sim ($SIM_BIN) with the given seed object and extra args; resolves
 * { base, api(method, path, body), admin(method, path, body), stop() }.
 */
export async function startSim(seed, extraArgs = []) {
  const bin = process.env.SIM_BIN;
  if (!bin) throw new Error('SIM_BIN must point at phala-cloud-sim');
  const dir = mkdtempSync(join(tmpdir(), 'eth-sim-'));
  const seedFile = join(dir, 'seed.json');
  const portFile = join(dir, 'port');
  writeFileSync(seedFile, JSON.stringify(seed));
  const proc = spawn(bin, ['--seed', seedFile, '--port', '0', '--port-file', portFile, '--quiet', ...extraArgs],
    { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => (stderr += d));
  let exited = false;
  proc.once('exit', () => (exited = true));
  // A clean stop exits 0; anything else (e.g. a sanitizer report in an ASan build) fails the test.
  const stop = async () => {
    const code = await stopChild(proc);
    rmSync(dir, { recursive: true, force: true });
    if (code !== 0) throw new Error(`simulator exited with ${code}: ${stderr}`);
  };
  let port;
  try {
    port = await waitFor(() => {
      if (exited) throw new Error(`simulator exited early: ${stderr}`);
      try {
        return parseInt(readFileSync(portFile, 'utf8'), 10) || 0;
      } catch {
        return 0;
      }
    }, 10000, 'simulator port file');
  } catch (e) {
    await stop().catch(() => {});
    throw e;
  }
  const base = `http://127.0.0.1:${port}`;
  const call = async (prefix, method, path, body, headers = {}) => {
    const res = await fetch(`${base}${prefix}${path}`, {
      method,
      headers: { 'Content-Type': 'application/json', ...headers },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    let json = null;
    try {
      json = JSON.parse(text);
    } catch { /* not JSON */ }
    return { status: res.status, json, text };
  };
  return {
    base,
    proc,
    stop,
    api: (method, path, body) => call('/api/v1', method, path, body, { 'X-API-Key': API_KEY }),
    admin: (method, path, body) => call('/_sim', method, path, body),
  };
}

/** viem (CommonJS build from tests/node/node_modules) and clients for the test chain. */
export function viemFor(info) {
  const viem = requirePkg('viem');
  const { privateKeyToAccount } = requirePkg('viem/accounts');
  const chain = viem.defineChain({
    id: info.chain_id,
    name: 'ganache-test',
    nativeCurrency: { name: 'Ether', symbol: 'ETH', decimals: 18 },
    rpcUrls: { default: { http: [info.rpc_url] } },
  });
  const transport = viem.http(info.rpc_url);
  const publicClient = viem.createPublicClient({ chain, transport, pollingInterval: 50 });
  const wallet = (key) =>
    viem.createWalletClient({ account: privateKeyToAccount(key), chain, transport, pollingInterval: 50 });
  return { viem, chain, publicClient, wallet };
}

/** The committed contract ABI. */
export function composeHashAppAbi() {
  return JSON.parse(readFileSync(join(HERE, 'ComposeHashApp.json'), 'utf8')).abi;
}
