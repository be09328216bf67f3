// safe_exec.mjs — what a Safe's owners do with a batch file from the provider (kmsapi's
// pk_safe_batch_json), done by Safe's own SDK (@safe-global/protocol-kit): rebuild the Safe transaction,
// refuse it unless protocol-kit's safeTxHash is the file's, sign with the given owners, execute.
// CLI: node tests/eth/safe_exec.mjs --info chain.json --batch FILE --owner-keys k1,k2 [--sign-only]
// Prints {"safeTxHash", "executionTxHash", "signers"}; exit 1 with the reason on stderr, 2 on usage.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { requirePkg } from './contract.mjs';

const ZERO = '0x0000000000000000000000000000000000000000';

/** protocol-kit's Safe class (ESM default export, loaded from tests/node/node_modules). */
export async function loadSafeKit() {
  const mod = await import(requirePkg.resolve('@safe-global/protocol-kit'));
  return mod.default?.init ? mod.default : mod.default.default;
}

/** A protocol-kit instance for the chain's Safe (info: chain.mjs --safe's info file) signing with key. */
export async function safeKit(info, key, safeAddress = info.safe.address) {
  const Safe = await loadSafeKit();
  return Safe.init({
    provider: info.rpc_url,
    signer: key,
    safeAddress,
    contractNetworks: { [String(info.chain_id)]: info.safe.contract_networks },
  });
}

class Refused extends Error {}

/**
 * Checks the batch against protocol-kit and, unless signOnly, executes it. Returns
 * { safeTxHash, executionTxHash (null when signOnly), signers }; throws Refused for a batch that is
 * not what it claims to be.
 */
export async function execBatch(info, batch, ownerKeys, { signOnly = false } = {}) {
  const st = batch.safeTransaction;
  if (!st || typeof st !== 'object') throw new Refused('the batch file has no safeTransaction');
  if (String(batch.chainId) !== String(info.chain_id)) {
    throw new Refused(`the batch is for chain ${batch.chainId}, the node is chain ${info.chain_id}`);
  }
  if (!ownerKeys.length) throw new Refused('no owner keys');
  let kit = await safeKit(info, ownerKeys[0], st.safe);
  const options = {
    nonce: Number(st.nonce),
    safeTxGas: String(st.safeTxGas ?? '0'),
    baseGas: String(st.baseGas ?? '0'),
    gasPrice: String(st.gasPrice ?? '0'),
    gasToken: st.gasToken ?? ZERO,
    refundReceiver: st.refundReceiver ?? ZERO,
  };
  let tx = await kit.createTransaction({
    transactions: [{ to: st.to, value: String(st.value), data: st.data, operation: Number(st.operation) }],
    options,
  });
  const safeTxHash = (await kit.getTransactionHash(tx)).toLowerCase();
  if (safeTxHash !== String(st.safeTxHash).toLowerCase()) {
    throw new Refused(`safeTxHash mismatch: the file says ${st.safeTxHash}, protocol-kit computes ${safeTxHash}`);
  }
  // The Transaction Builder part is what the Safe app shows: it must be the same transaction.
  const builder = await kit.createTransaction({
    transactions: batch.transactions.map((t) => ({ to: t.to, value: String(t.value), data: t.data })),
    options,
  });
  if ((await kit.getTransactionHash(builder)).toLowerCase() !== safeTxHash) {
    throw new Refused('the Transaction Builder transactions are not the safeTransaction');
  }
  const signers = [];
  for (const key of ownerKeys) {
    kit = await kit.connect({ signer: key });
    tx = await kit.signTransaction(tx);
    signers.push((await kit.getSafeProvider().getSignerAddress()).toLowerCase());
  }
  if (signOnly) return { safeTxHash, executionTxHash: null, signers };
  const res = await kit.executeTransaction(tx); // the last signer sends it
  const receipt = await rpc(info.rpc_url, 'eth_getTransactionReceipt', [res.hash]);
  if (!receipt || receipt.status !== '0x1') throw new Error(`execTransaction ${res.hash} failed`);
  // A Safe whose inner call reverts still mines: ExecutionFailure instead of ExecutionSuccess.
  const EXECUTION_SUCCESS = '0x442e715f626346e8c54381002da614f62bee8d27386535b2521ec8540898556e';
  if (!receipt.logs.some((l) => l.address.toLowerCase() === st.safe.toLowerCase() && l.topics[0] === EXECUTION_SUCCESS)) {
    throw new Error(`execTransaction ${res.hash} mined without ExecutionSuccess (an inner call failed)`);
  }
  return { safeTxHash, executionTxHash: res.hash, signers };
}

async function rpc(url, method, params = []) {
  const r = await fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify({ jsonrpc: '2.0', id: 1, method, params }),
  });
  const j = await r.json();
  if (j.error) throw new Error(`${method}: ${j.error.message}`);
  return j.result;
}

function usage(msg) {
  if (msg) console.error(`safe_exec.mjs: ${msg}`);
  console.error('usage: node tests/eth/safe_exec.mjs --info chain.json --batch FILE --owner-keys k1,k2 [--sign-only]');
  process.exit(2);
}

async function main(argv) {
  let infoFile = null;
  let batchFile = null;
  let keys = null;
  let signOnly = false;
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--info') infoFile = argv[++i];
    else if (a === '--batch') batchFile = argv[++i];
    else if (a === '--owner-keys') keys = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (a === '--sign-only') signOnly = true;
    else usage(`unknown argument ${a}`);
  }
  if (!infoFile || !batchFile || !keys) usage('--info, --batch and --owner-keys are required');
  try {
    const info = JSON.parse(readFileSync(infoFile, 'utf8'));
    if (!info.safe) throw new Refused(`${infoFile} has no "safe" (start chain.mjs with --safe)`);
    const batch = JSON.parse(readFileSync(batchFile, 'utf8'));
    const out = await execBatch(info, batch, keys, { signOnly });
    console.log(JSON.stringify(out));
  } catch (e) {
    // Messages only: protocol-kit's errors can quote the transaction, never a key.
    console.error(`safe_exec.mjs: ${e instanceof Refused ? 'refused: ' : ''}${e.message}`);
    process.exit(1);
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  main(process.argv.slice(2));
}
