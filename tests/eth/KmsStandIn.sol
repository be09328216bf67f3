// SPDX-License-Identifier: Apache-2.0
// KmsStandIn — test stand-in for dstack's DstackKms, reduced to what the provider reads before it
// trusts an app key or signs for an app (research/phala-api-2026-06.md §5.4, phala-api.md §6.4):
// kmsInfo() (selector 0x09177063, the KMS's own k256 key first) and registeredApps(address), with
// the same storage layout of KmsInfo and the same AppRegistered event. Compiled by contract.mjs; the
// committed KmsStandIn.json must match (ctest eth_contract_bytecode).
pragma solidity ^0.8.24;

contract KmsStandIn {
    /// DstackKms's KmsInfo: the public getter returns (bytes, bytes, bytes, bytes).
    struct KmsInfo {
        bytes k256Pubkey;
        bytes caPubkey;
        bytes quote;
        bytes eventlog;
    }

    /// The only account that may register apps or set the KMS's keys.
    address public owner;

    /// selector 0x09177063
    KmsInfo public kmsInfo;

    /// app contract => registered on this KMS (DstackKms's public mapping).
    mapping(address => bool) public registeredApps;

    event AppRegistered(address appId);
    event KmsInfoSet(bytes k256Pubkey);

    error OwnableUnauthorizedAccount(address account);

    modifier onlyOwner() {
        if (msg.sender != owner) revert OwnableUnauthorizedAccount(msg.sender);
        _;
    }

    constructor() {
        owner = msg.sender;
    }

    /// What the KMS operator does after the KMS published its keys (DstackKms.setKmsInfo, reduced
    /// to the k256 key the tests need).
    function setK256Pubkey(bytes calldata k256Pubkey) external onlyOwner {
        kmsInfo.k256Pubkey = k256Pubkey;
        emit KmsInfoSet(k256Pubkey);
    }

    function registerApp(address appId) external onlyOwner {
        registeredApps[appId] = true;
        emit AppRegistered(appId);
    }
}
