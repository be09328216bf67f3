// contract.mjs — compiles the test contracts (ComposeHashApp.sol, the DstackApp stand-in, and
// KmsStandIn.sol, the DstackKms stand-in) with solc from npm (standard JSON, optimizer on, evmVersion
// "shanghai" = ganache 7.9.2's hardfork) and owns their committed artifacts (<Name>.json).
// CLI: `node contract.mjs --check` (exit 1 if an artifact is stale) | `--write` (regenerate them).
import { createRequire } from 'node:module';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const HERE = dirname(fileURLToPath(import.meta.url));
export const SOURCE_PATH = join(HERE, 'ComposeHashApp.sol');
export const ARTIFACT_PATH = join(HERE, 'ComposeHashApp.json');
export const CONTRACT_NAME = 'ComposeHashApp';
/** Every contract this file compiles; each has <Name>.sol and a committed <Name>.json beside it. */
export const CONTRACTS = Object.freeze(['ComposeHashApp', 'KmsStandIn']);
const sourcePath = (name) => join(HERE, `${name}.sol`);
const artifactPath = (name) => join(HERE, `${name}.json`);
export const SETTINGS = Object.freeze({
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'shanghai',
});

/** Directory of the project's npm packages (tests/node/node_modules, or $NODE_MODULES_DIR). */
export const NODE_MODULES = resolve(process.env.NODE_MODULES_DIR || join(HERE, '..', 'node', 'node_modules'));

/** `require` that resolves packages from NODE_MODULES (tests/eth has no node_modules of its own). */
export const requirePkg = createRequire(join(NODE_MODULES, '..', 'package.json'));

/** Compiles ComposeHashApp's source; returns the artifact object (same shape as the committed JSON). */
export function compile(source = readFileSync(SOURCE_PATH, 'utf8')) {
  return compileNamed(CONTRACT_NAME, source);
}

/** Compiles contract `name` (<name>.sol, or the given source). */
export function compileNamed(name, source = readFileSync(sourcePath(name), 'utf8')) {
  const solc = requirePkg('solc');
  const file = `${name}.sol`;
  const input = {
    language: 'Solidity',
    sources: { [file]: { content: source } },
    settings: {
      ...SETTINGS,
      outputSelection: { [file]: { [name]: ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (out.errors || []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(`solc: ${errors.map((e) => e.formattedMessage).join('\n')}`);
  const c = out.contracts[file][name];
  return {
    contractName: name,
    compiler: `solc ${solc.version()}`,
    settings: SETTINGS,
    abi: c.abi,
    bytecode: `0x${c.evm.bytecode.object}`,
    deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
  };
}

/** compileNamed() of every contract in a worker thread, so that it overlaps other start-up work
 * (solc-js is synchronous); resolves to {name: artifact}. */
export function compileInWorker() {
  return new Promise((resolvePromise, reject) => {
    const w = new Worker(fileURLToPath(import.meta.url), { workerData: { composeHashAppCompile: true } });
    w.once('message', (m) => (m.error ? reject(new Error(m.error)) : resolvePromise(m.artifact)));
    w.once('error', reject);
    w.once('exit', (code) => reject(new Error(`solc worker exited with ${code}`)));
  });
}

if (!isMainThread && workerData && workerData.composeHashAppCompile) {
  try {
    parentPort.postMessage({ artifact: Object.fromEntries(CONTRACTS.map((n) => [n, compileNamed(n)])) });
  } catch (e) {
    parentPort.postMessage({ error: String(e.message || e) });
  }
}

/** The committed artifact (of ComposeHashApp, or of contract `name`). */
export function loadArtifact(name = CONTRACT_NAME) {
  return JSON.parse(readFileSync(artifactPath(name), 'utf8'));
}

/** Every committed artifact, as compileInWorker resolves: {name: artifact}. */
export function loadArtifacts() {
  return Object.fromEntries(CONTRACTS.map((n) => [n, loadArtifact(n)]));
}

export function serialize(artifact) {
  return `${JSON.stringify(artifact, null, 2)}\n`;
}

/** Differences between the committed artifact and a fresh compile ([] = up to date). */
export function artifactDiff(fresh = compile(), committed = loadArtifact()) {
  const diffs = [];
  for (const k of ['contractName', 'compiler', 'settings', 'abi', 'bytecode', 'deployedBytecode']) {
    if (JSON.stringify(fresh[k]) !== JSON.stringify(committed[k])) diffs.push(k);
  }
  return diffs;
}

function main(argv) {
  if (argv[0] === '--write') {
    for (const name of CONTRACTS) {
      const path = artifactPath(name);
      const tmp = `${path}.tmp.${process.pid}`;
      writeFileSync(tmp, serialize(compileNamed(name)));
      renameSync(tmp, path);
      console.log(`wrote ${path}`);
    }
    return 0;
  }
  if (argv[0] === '--check') {
    let rc = 0;
    for (const name of CONTRACTS) {
      const path = artifactPath(name);
      let committed;
      try {
        committed = loadArtifact(name);
      } catch (e) {
        console.error(`cannot read ${path}: ${e.message}`);
        rc = 1;
        continue;
      }
      const diffs = artifactDiff(compileNamed(name), committed);
      if (diffs.length) {
        console.error(`${path} is stale (differs in: ${diffs.join(', ')}); run: node tests/eth/contract.mjs --write`);
        rc = 1;
      } else {
        console.log(`${name}.json matches a fresh compile of ${name}.sol`);
      }
    }
    return rc;
  }
  console.error('usage: node contract.mjs --check | --write');
  return 2;
}

if (isMainThread && process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
