// SPDX-License-Identifier: Apache-2.0
// ComposeHashApp — test stand-in for dstack's DstackApp, reduced to its compose-hash and device
// allowlist interfaces (research/phala-api.md §6.3, phala-api-2026-06.md §4.6): same selectors, same
// events, same owner-only rules. Compiled by contract.mjs; the committed ComposeHashApp.json must
// match (ctest eth_contract_bytecode). Storage keeps owner in slot 0 and allowedComposeHashes in
// slot 1 (tests write that mapping's storage directly); new state goes after the existing slots.
// Every policy change emits DstackApp's legacy event and, as newer DstackApp does, PolicyChanged;
// setEventMode (a test switch, not in DstackApp) picks which of the two are emitted.
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

    /// Which events a policy change emits (test switch): 0 both (default, newer DstackApp), 1 the
    /// legacy event only (older DstackApp), 2 PolicyChanged only (an entry whose only log is it).
    uint8 public eventMode;

    /// PolicyChanged's policy ids (keccak256 of the policy's name).
    bytes32 internal constant POLICY_COMPOSE_HASH = keccak256("compose-hash");
    bytes32 internal constant POLICY_DEVICE = keccak256("device");
    bytes32 internal constant POLICY_ALLOW_ANY_DEVICE = keccak256("allow-any-device");

    /// Same signatures as DstackApp (non-indexed), so logs and topic0 are identical.
    event ComposeHashAdded(bytes32 composeHash);
    event ComposeHashRemoved(bytes32 composeHash);
    event DeviceAdded(bytes32 deviceId);
    event DeviceRemoved(bytes32 deviceId);
    event AllowAnyDeviceSet(bool allowAny);
    /// Newer DstackApp's generic event: value = the hash or device id (0 for allow-any-device).
    event PolicyChanged(address indexed actor, bytes32 indexed policy, bytes32 indexed value, bool enabled);
    event OwnershipTransferred(address indexed previousOwner, address indexed newOwner);

    /// OpenZeppelin Ownable's errors, which DstackApp reverts with.
    error OwnableUnauthorizedAccount(address account);
    error OwnableInvalidOwner(address owner);
    error InvalidEventMode(uint8 mode);

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
        if (eventMode != 2) emit ComposeHashAdded(composeHash);
        if (eventMode != 1) emit PolicyChanged(msg.sender, POLICY_COMPOSE_HASH, composeHash, true);
    }

    /// selector 0x67b3f22c
    function removeComposeHash(bytes32 composeHash) external onlyOwner {
        allowedComposeHashes[composeHash] = false;
        if (eventMode != 2) emit ComposeHashRemoved(composeHash);
        if (eventMode != 1) emit PolicyChanged(msg.sender, POLICY_COMPOSE_HASH, composeHash, false);
    }

    /// selector 0x2a819728
    function addDevice(bytes32 deviceId) external onlyOwner {
        allowedDeviceIds[deviceId] = true;
        if (eventMode != 2) emit DeviceAdded(deviceId);
        if (eventMode != 1) emit PolicyChanged(msg.sender, POLICY_DEVICE, deviceId, true);
    }

    /// selector 0x1d266200
    function removeDevice(bytes32 deviceId) external onlyOwner {
        allowedDeviceIds[deviceId] = false;
        if (eventMode != 2) emit DeviceRemoved(deviceId);
        if (eventMode != 1) emit PolicyChanged(msg.sender, POLICY_DEVICE, deviceId, false);
    }

    /// selector 0x7c4beeb8
    function setAllowAnyDevice(bool allowAny) external onlyOwner {
        allowAnyDevice = allowAny;
        if (eventMode != 2) emit AllowAnyDeviceSet(allowAny);
        if (eventMode != 1) emit PolicyChanged(msg.sender, POLICY_ALLOW_ANY_DEVICE, bytes32(0), allowAny);
    }

    /// Test switch (not in DstackApp): 0 both events, 1 legacy only, 2 PolicyChanged only.
    function setEventMode(uint8 mode) external onlyOwner {
        if (mode > 2) revert InvalidEventMode(mode);
        eventMode = mode;
    }

    /// selector 0xf2fde38b
    function transferOwnership(address newOwner) external onlyOwner {
        if (newOwner == address(0)) revert OwnableInvalidOwner(address(0));
        address previous = owner;
        owner = newOwner;
        emit OwnershipTransferred(previous, newOwner);
    }
}
