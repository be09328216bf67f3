// SPDX-License-Identifier: Apache-2.0
// ComposeHashApp — test stand-in for dstack's DstackApp, reduced to its compose-hash and device
// allowlist interfaces (research/phala-api.md §6.3, phala-api-2026-06.md §4.6): same selectors, same
// events, same owner-only rules. Compiled by contract.mjs; the committed ComposeHashApp.json must
// match (ctest eth_contract_bytecode). Storage keeps owner in slot 0 and allowedComposeHashes in
// slot 1 (tests write that mapping's storage directly).
pragma solidity ^0.8.24;

contract ComposeHashApp {
    /// Current owner: the only account that may change the allowed compose hashes.
    address public owner;

    /// compose hash => allowed (DstackApp's public mapping, selector 0x2f6622e5).
    mapping(bytes32 => bool) public allowedComposeHashes;

    /// Any device may run the app (DstackApp's allowAnyDevice, selector 0x3440a16a). Deployed true,
    /// as the tests' apps were before the device interface existed.
    bool public allowAnyDevice;

    /// device id => allowed (selector 0xbf8b211b).
    mapping(bytes32 => bool) public allowedDeviceIds;

    /// Same signatures as DstackApp (non-indexed), so logs and topic0 are identical.
    event ComposeHashAdded(bytes32 composeHash);
    event ComposeHashRemoved(bytes32 composeHash);
    event DeviceAdded(bytes32 deviceId);
    event DeviceRemoved(bytes32 deviceId);
    event AllowAnyDeviceSet(bool allowAny);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// OpenZeppelin Ownable's errors, which DstackApp reverts with.
    error OwnableUnauthorizedAccount(address account);
    error OwnableInvalidOwner(address owner);

    modifier onlyOwner() {
        if (msg.sender != owner) revert OwnableUnauthorizedAccount(msg.sender);
        _;
    }

    constructor() {
        owner = msg.sender;
        allowAnyDevice = true;
        emit OwnershipTransferred(address(0), msg.sender);
    }

    /// selector 0xdfc77223
    function addComposeHash(bytes32 composeHash) external onlyOwner {
        allowedComposeHashes[composeHash] = true;
        emit ComposeHashAdded(composeHash);
    }

    /// selector 0x67b3f22c
    function removeComposeHash(bytes32 composeHash) external onlyOwner {
        allowedComposeHashes[composeHash] = false;
        emit ComposeHashRemoved(composeHash);
    }

    /// selector 0x2a819728
    function addDevice(bytes32 deviceId) external onlyOwner {
        allowedDeviceIds[deviceId] = true;
        emit DeviceAdded(deviceId);
    }

    /// selector 0x1d266200
    function removeDevice(bytes32 deviceId) external onlyOwner {
        allowedDeviceIds[deviceId] = false;
        emit DeviceRemoved(deviceId);
    }

    /// selector 0x7c4beeb8
    function setAllowAnyDevice(bool allowAny) external onlyOwner {
        allowAnyDevice = allowAny;
        emit AllowAnyDeviceSet(allowAny);
    }

    /// selector 0xf2fde38b
    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert OwnableInvalidOwner(address(0));
        address previous = owner;
        owner = newOwner;
        emit OwnershipTransferred(previous, newOwner);
    }
}
