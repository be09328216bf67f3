// Benchmark of @phala/dstack-sdk encryptEnvVars on the same inputs as bench_encrypt.c, then the
// ratio against the C numbers. Usage: node bench_encrypt_node.mjs [path/to/bench_encrypt]
// (run from tests/node's parent so that the SDK resolves from tests/node/node_modules).
import { createRequire } from 'node:module';
import { execFileSync } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const here = path.dirname(fileURLToPath(import.meta.url));
const require = createRequire(path.join(here, '../node/package.json'));
const { encryptEnvVars } = await import(require.resolve('@phala/dstack-sdk/encrypt-env-vars'));
const { x25519 } = await import(require.resolve('@noble/curves/ed25519'));

const pub = Buffer.from(x25519.getPublicKey(x25519.utils.randomPrivateKey())).toString('hex');
// Same inputs as bench_encrypt.c: key + value = perVar bytes per variable.
const makeEnv = (count, perVar) =>
  Array.from({ length: count }, (_, i) => ({
    key: `VAR_${i}`,
    value: Array.from({ length: perVar - `VAR_${i}`.length }, (_, j) =>
      String.fromCharCode(97 + ((i + j) % 26))).join(''),
  }));

async function medianMs(env, runs) {
  const t = [];
  for (let r = 0; r < runs; r++) {
    const t0 = performance.now();
    await encryptEnvVars(env, pub);
    t.push(performance.now() - t0);
  }
  t.sort((a, b) => a - b);
  return t[Math.floor(runs / 2)];
}

async function opsPerS(env, seconds) {
  let ops = 0;
  const t0 = performance.now();
  let t;
  do {
    await encryptEnvVars(env, pub);
    ops++;
    t = performance.now() - t0;
  } while (t < seconds * 1000);
  return ops / (t / 1000);
}

const big = makeEnv(1024, 1024), typical = makeEnv(20, 40);
await medianMs(big, 5);
const nodeBig = await medianMs(big, 50);
const nodeTypical = await opsPerS(typical, 1.0);
console.log(`node encryptEnvVars 1024 vars x 1 KiB: median ${nodeBig.toFixed(3)} ms`);
console.log(`node encryptEnvVars 20 vars: ${nodeTypical.toFixed(0)} ops/s`);

const cBin = process.argv[2];
if (cBin) {
  const out = execFileSync(cBin, { encoding: 'utf8' });
  process.stdout.write(out);
  const c = JSON.parse(out.trim().split('\n').pop());
  console.log(`ratio big (node ms / C ms): ${(nodeBig / c.c_big_median_ms).toFixed(2)}x  ` +
              `(portable OpenSSL path: ${(nodeBig / c.c_portable_big_median_ms).toFixed(2)}x)`);
  console.log(`ratio typical (C ops/s / node ops/s): ${(c.c_typical_ops_per_s / nodeTypical).toFixed(2)}x  ` +
              `(portable: ${(c.c_portable_typical_ops_per_s / nodeTypical).toFixed(2)}x)`);
}
