// SPDX-License-Identifier: Apache-2.0
pragma solidity ^0.8.20;

/// @title SSVTestRegistry
/// @notice Test-only stand-in for the SSV network contract. It emits the registry
///         events with exactly the signatures of the real contract, so the node's
///         event syncer can be exercised against a local execution node (anvil).
/// @dev    Nothing is validated: public keys, shares and operator IDs are passed
///         through byte-for-byte, because the node's tests need malformed payloads
///         to reach the chain. Do not deploy anywhere that matters.
contract SSVTestRegistry {
    struct Cluster {
        uint32 validatorCount;
        uint64 networkFeeIndex;
        uint64 index;
        bool active;
        uint256 balance;
    }

    // ----- Events (signatures identical to the SSV network contract) -----

    event OperatorAdded(uint64 indexed operatorId, address indexed owner, bytes publicKey, uint256 fee);
    event OperatorRemoved(uint64 indexed operatorId);
    event ValidatorAdded(address indexed owner, uint64[] operatorIds, bytes publicKey, bytes shares, Cluster cluster);
    event ValidatorRemoved(address indexed owner, uint64[] operatorIds, bytes publicKey, Cluster cluster);
    event ClusterLiquidated(address indexed owner, uint64[] operatorIds, Cluster cluster);
    event ClusterReactivated(address indexed owner, uint64[] operatorIds, Cluster cluster);
    event FeeRecipientAddressUpdated(address indexed owner, address recipientAddress);
    event ValidatorExited(address indexed owner, uint64[] operatorIds, bytes publicKey);

    /// Emitted by `emitIgnored`; the node must skip it.
    event OperatorFeeExecuted(address indexed owner, uint64 indexed operatorId, uint256 blockNumber, uint256 fee);

    // ----- State -----

    /// Last operator ID handed out; IDs start at 1.
    uint64 public lastOperatorId;

    /// Cluster state keyed by keccak256(abi.encodePacked(owner, operatorIds)).
    mapping(bytes32 => Cluster) private clusters;

    // ----- Views -----

    function clusterKey(address owner, uint64[] calldata operatorIds) public pure returns (bytes32) {
        return keccak256(abi.encodePacked(owner, operatorIds));
    }

    function getCluster(address owner, uint64[] calldata operatorIds) external view returns (Cluster memory) {
        return clusters[clusterKey(owner, operatorIds)];
    }

    // ----- Operators -----

    function registerOperator(bytes calldata publicKey, uint256 fee) external returns (uint64 id) {
        id = ++lastOperatorId;
        emit OperatorAdded(id, msg.sender, publicKey, fee);
    }

    function removeOperator(uint64 operatorId) external {
        emit OperatorRemoved(operatorId);
    }

    // ----- Validators -----

    function registerValidator(bytes calldata publicKey, uint64[] calldata operatorIds, bytes calldata shares)
        external
    {
        _addValidator(publicKey, operatorIds, shares);
    }

    /// Several ValidatorAdded logs in one transaction (one per key), all for the same
    /// operator set. `publicKeys[i]` is paired with `shares[i]`; the two arrays must have
    /// the same length (the only check in this contract, so that nothing is silently dropped).
    function bulkRegisterValidator(bytes[] calldata publicKeys, uint64[] calldata operatorIds, bytes[] calldata shares)
        external
    {
        require(publicKeys.length == shares.length, "length mismatch");
        for (uint256 i = 0; i < publicKeys.length; i++) {
            _addValidator(publicKeys[i], operatorIds, shares[i]);
        }
    }

    function removeValidator(bytes calldata publicKey, uint64[] calldata operatorIds) external {
        Cluster storage c = clusters[clusterKey(msg.sender, operatorIds)];
        if (c.validatorCount > 0) {
            c.validatorCount -= 1;
        }
        emit ValidatorRemoved(msg.sender, operatorIds, publicKey, c);
    }

    function exitValidator(bytes calldata publicKey, uint64[] calldata operatorIds) external {
        emit ValidatorExited(msg.sender, operatorIds, publicKey);
    }

    // ----- Clusters -----

    function liquidate(address owner, uint64[] calldata operatorIds) external {
        Cluster storage c = clusters[clusterKey(owner, operatorIds)];
        c.active = false;
        emit ClusterLiquidated(owner, operatorIds, c);
    }

    function reactivate(uint64[] calldata operatorIds, uint256 amount) external {
        Cluster storage c = clusters[clusterKey(msg.sender, operatorIds)];
        c.active = true;
        c.balance += amount;
        emit ClusterReactivated(msg.sender, operatorIds, c);
    }

    // ----- Owner settings -----

    function setFeeRecipientAddress(address recipientAddress) external {
        emit FeeRecipientAddressUpdated(msg.sender, recipientAddress);
    }

    // ----- Noise -----

    function emitIgnored() external {
        emit OperatorFeeExecuted(msg.sender, lastOperatorId, block.number, 0);
    }

    // ----- Internal -----

    function _addValidator(bytes calldata publicKey, uint64[] calldata operatorIds, bytes calldata shares) private {
        Cluster storage c = clusters[clusterKey(msg.sender, operatorIds)];
        if (c.validatorCount == 0) {
            // The first validator of an empty cluster makes it active. A liquidated cluster
            // that still has validators stays inactive (the real contract would revert).
            c.active = true;
        }
        c.validatorCount += 1;
        emit ValidatorAdded(msg.sender, operatorIds, publicKey, shares, c);
    }
}
