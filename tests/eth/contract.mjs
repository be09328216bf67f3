// contract.mjs — compiles ComposeHashApp.sol with solc from npm (standard JSON, optimizer on, evmVersion
// "shanghai" = ganache 7.9.2's hardfork) and owns the committed artifact ComposeHashApp.json.
// CLI: `node contract.mjs --check` (exit 1 if the artifact is stale) | `--write` (regenerate it).
import { createRequire } from 'node:module';
import { readFileSync, renameSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { isMainThread, parentPort, Worker, workerData } from 'node:worker_threads';

const HERE = dirname(fileURLToPath(import.meta.url));
export const SOURCE_PATH = join(HERE, 'ComposeHashApp.sol');
export const ARTIFACT_PATH = join(HERE, 'ComposeHashApp.json');
export const CONTRACT_NAME = 'ComposeHashApp';
export const SETTINGS = Object.freeze({
  optimizer: { enabled: true, runs: 200 },
  evmVersion: 'shanghai',
});

/** Directory of the project's npm packages (tests/node/node_modules, or $NODE_MODULES_DIR). */
export const NODE_MODULES = resolve(process.env.NODE_MODULES_DIR || join(HERE, '..', 'node', 'node_modules'));

/** `require` that resolves packages from NODE_MODULES (tests/eth has no node_modules of its own). */
export const requirePkg = createRequire(join(NODE_MODULES, '..', 'package.json'));

/** Compiles the source; returns the artifact object (same shape as the committed JSON). */
export function compile(source = readFileSync(SOURCE_PATH, 'utf8')) {
  const solc = requirePkg('solc');
  const input = {
    language: 'Solidity',
    sources: { 'ComposeHashApp.sol': { content: source } },
    settings: {
      ...SETTINGS,
      outputSelection: { 'ComposeHashApp.sol': { [CONTRACT_NAME]: ['abi', 'evm.bytecode.object', 'evm.deployedBytecode.object'] } },
    },
  };
  const out = JSON.parse(solc.compile(JSON.stringify(input)));
  const errors = (out.errors || []).filter((e) => e.severity === 'error');
  if (errors.length) throw new Error(`solc: ${errors.map((e) => e.formattedMessage).join('\n')}`);
  const c = out.contracts['ComposeHashApp.sol'][CONTRACT_NAME];
  return {
    contractName: CONTRACT_NAME,
    compiler: `solc ${solc.version()}`,
    settings: SETTINGS,
    abi: c.abi,
    bytecode: `0x${c.evm.bytecode.object}`,
    deployedBytecode: `0x${c.evm.deployedBytecode.object}`,
  };
}

/** compile() in a worker thread, so that it overlaps other start-up work (solc-js is synchronous). */
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
    parentPort.postMessage({ artifact: compile() });
  } catch (e) {
    parentPort.postMessage({ error: String(e.message || e) });
  }
}

/** The committed artifact. */
export function loadArtifact() {
  return JSON.parse(readFileSync(ARTIFACT_PATH, 'utf8'));
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
    const tmp = `${ARTIFACT_PATH}.tmp.${process.pid}`;
    writeFileSync(tmp, serialize(compile()));
    renameSync(tmp, ARTIFACT_PATH);
    console.log(`wrote ${ARTIFACT_PATH}`);
    return 0;
  }
  if (argv[0] === '--check') {
    let committed;
    try {
      committed = loadArtifact();
    } catch (e) {
      console.error(`cannot read ${ARTIFACT_PATH}: ${e.message}`);
      return 1;
    }
    const diffs = artifactDiff(compile(), committed);
    if (diffs.length) {
      console.error(`${ARTIFACT_PATH} is stale (differs in: ${diffs.join(', ')}); run: node tests/eth/contract.mjs --write`);
      return 1;
    }
    console.log('ComposeHashApp.json matches a fresh compile of ComposeHashApp.sol');
    return 0;
  }
  console.error('usage: node contract.mjs --check | --write');
  return 2;
}

if (isMainThread && process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  process.exitCode = main(process.argv.slice(2));
}
