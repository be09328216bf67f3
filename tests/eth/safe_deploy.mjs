// safe_deploy.mjs — Safe 1.4.1 on the test chain (chain.mjs --safe): the singletons protocol-kit's
// contractNetworks names, compiled by Safe itself (@safe-global/safe-contracts 1.4.1 artifacts), and a
// 2-of-3 Safe proxy whose three owners are fixed test keys. Deployed after everything else chain.mjs
// deploys, so the addresses without --safe never move.
import { requirePkg } from './contract.mjs';

// Ganache's deterministic accounts 3, 4 and 5 (the first three are chain.mjs's owner, other, poor): well
// known test keys, never to hold anything real.
export const SAFE_OWNER_KEYS = Object.freeze([
  '0x646f1ce2fdad0e6deeeb5c7e8e5543bdde65e86029e2fd9fc169899c440a7913',
  '0xadd53f9a7e588d003326d1cbf9e4a43c061aadd9bc938c843a79e7b4fd2ad743',
  '0x395df67f0c2d2d9fe1ad08d1bc8b6627011959b79c53d7dd6a3536a33ab8a4fd',
]);
export const SAFE_THRESHOLD = 2;
export const SAFE_OWNER_BALANCE = 10n * 10n ** 18n;
export const SAFE_VERSION = '1.4.1';

const ARTIFACTS = '@safe-global/safe-contracts/build/artifacts/contracts';
// contractNetworks key → artifact path under ARTIFACTS. The L2 singleton (events for every
// transaction) is what protocol-kit uses on chains other than mainnet.
const SINGLETONS = Object.freeze({
  safeSingletonAddress: 'SafeL2.sol/SafeL2.json',
  safeProxyFactoryAddress: 'proxies/SafeProxyFactory.sol/SafeProxyFactory.json',
  multiSendAddress: 'libraries/MultiSend.sol/MultiSend.json',
  multiSendCallOnlyAddress: 'libraries/MultiSendCallOnly.sol/MultiSendCallOnly.json',
  fallbackHandlerAddress: 'handler/CompatibilityFallbackHandler.sol/CompatibilityFallbackHandler.json',
  signMessageLibAddress: 'libraries/SignMessageLib.sol/SignMessageLib.json',
  createCallAddress: 'libraries/CreateCall.sol/CreateCall.json',
  simulateTxAccessorAddress: 'accessors/SimulateTxAccessor.sol/SimulateTxAccessor.json',
});

export function safeArtifact(path) {
  return requirePkg(`${ARTIFACTS}/${path}`);
}

/** The owners' addresses (lowercase), in SAFE_OWNER_KEYS order. */
export function safeOwnerAddresses() {
  const { privateKeyToAccount } = requirePkg('viem/accounts');
  return SAFE_OWNER_KEYS.map((k) => privateKeyToAccount(k).address.toLowerCase());
}

/**
 * Deploys the singletons and a 2-of-3 Safe proxy. send(tx) mines one transaction from the chain's
 * owner account and returns its receipt; rpc(method, params) is the node. Returns the info file's
 * "safe" object.
 */
export async function deploySafe({ send, rpc }) {
  const { encodeFunctionData, decodeFunctionResult } = requirePkg('viem');
  const contractNetworks = {};
  for (const [key, path] of Object.entries(SINGLETONS)) {
    const r = await send({ data: safeArtifact(path).bytecode, gas: '0x7a1200' /* 8M: SafeL2 needs ~5.5M */ });
    contractNetworks[key] = r.contractAddress.toLowerCase();
  }
  const owners = safeOwnerAddresses();
  const zero = '0x0000000000000000000000000000000000000000';
  const setup = encodeFunctionData({
    abi: safeArtifact(SINGLETONS.safeSingletonAddress).abi,
    functionName: 'setup',
    args: [owners, BigInt(SAFE_THRESHOLD), zero, '0x', contractNetworks.fallbackHandlerAddress, zero, 0n, zero],
  });
  const factoryAbi = safeArtifact(SINGLETONS.safeProxyFactoryAddress).abi;
  const create = encodeFunctionData({
    abi: factoryAbi,
    functionName: 'createProxyWithNonce',
    args: [contractNetworks.safeSingletonAddress, setup, 0n],
  });
  const tx = { to: contractNetworks.safeProxyFactoryAddress, data: create, gas: '0x7a120' /* 500k */ };
  // The proxy's address is the call's return value; ask first, then mine the same call.
  const ret = await rpc('eth_call', [{ ...tx, from: (await rpc('eth_accounts'))[0] }, 'latest']);
  const address = decodeFunctionResult({ abi: factoryAbi, functionName: 'createProxyWithNonce', data: ret })
    .toLowerCase();
  await send(tx);
  if ((await rpc('eth_getCode', [address, 'latest'])).length <= 2) throw new Error(`no Safe proxy at ${address}`);
  return {
    address,
    version: SAFE_VERSION,
    owners,
    owner_keys: [...SAFE_OWNER_KEYS],
    threshold: SAFE_THRESHOLD,
    multisend_call_only: contractNetworks.multiSendCallOnlyAddress,
    contract_networks: contractNetworks,
  };
}
