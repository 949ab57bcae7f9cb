// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

interface ENS {
    function resolver(bytes32 node) external view returns (address);
}

/// ENSIP-21: a batch gateway answers many CCIP-Read requests in one.
interface IBatchGateway {
    struct Request {
        address sender;
        string[] urls;
        bytes data;
    }

    function query(Request[] memory) external view returns (bool[] memory failures, bytes[] memory responses);
}

interface IERC165 {
    function supportsInterface(bytes4 id) external view returns (bool);
}

/// A test Universal Resolver implementing the ENS `IUniversalResolver` (v3) interface the
/// client calls: `resolve` with ENSIP-10 wildcards and CCIP-Read pass-through (the
/// `OffchainLookup` is re-raised with this contract as `sender`), and `reverse` (ENSIP-19)
/// with forward verification of the primary name. `resolveWithGateways` sends offchain
/// lookups through the given ENSIP-21 batch gateways, as the deployed v3 contract does
/// (clients pass `x-batch-gateway:true` and answer the batch themselves).
contract UniversalResolver {
    error ResolverNotFound(bytes name);
    error ResolverNotContract(bytes name, address resolver);
    error ResolverError(bytes errorData);
    error ReverseAddressMismatch(string primary, bytes primaryAddress);
    error OffchainLookup(address sender, string[] urls, bytes callData, bytes4 callbackFunction, bytes extraData);
    error HttpError(uint16 status, string message);
    error InvalidBatchGatewayResponse();

    bytes4 constant EXTENDED = 0x9061b923; // resolve(bytes,bytes)
    bytes4 constant ADDR = 0x3b3b57de; // addr(bytes32)
    bytes4 constant ADDR_COIN = 0xf1cb7e06; // addr(bytes32,uint256)
    bytes4 constant NAME = 0x691f3431; // name(bytes32)

    ENS public immutable registry;

    constructor(ENS ens) {
        registry = ens;
    }

    function resolve(bytes calldata name, bytes calldata data) public view returns (bytes memory, address) {
        (address resolver, bool extended, bool ok, bytes memory ret) = callResolver(name, data);
        if (!ok) handleRevert(resolver, ret, extended);
        if (extended) ret = abi.decode(ret, (bytes));
        return (ret, resolver);
    }

    function resolveWithGateways(bytes calldata name, bytes calldata data, string[] calldata gateways)
        external view returns (bytes memory, address)
    {
        (address resolver, bool extended, bool ok, bytes memory ret) = callResolver(name, data);
        if (!ok) revertBatched(resolver, ret, extended, gateways);
        if (extended) ret = abi.decode(ret, (bytes));
        return (ret, resolver);
    }

    /// Re-raises a resolver's `OffchainLookup` as one request to the batch gateways.
    function revertBatched(address resolver, bytes memory ret, bool extended, string[] calldata gateways)
        internal view
    {
        if (ret.length < 4 || bytes4(ret) != OffchainLookup.selector) revert ResolverError(ret);
        (address sender, string[] memory urls, bytes memory callData, bytes4 callback, bytes memory extra) =
            decodeLookup(ret);
        if (sender != resolver) revert ResolverError(ret);
        IBatchGateway.Request[] memory requests = new IBatchGateway.Request[](1);
        requests[0] = IBatchGateway.Request(sender, urls, callData);
        bytes memory context = abi.encode(resolver, callback, extra, extended);
        revert OffchainLookup(
            address(this), gateways, abi.encodeCall(IBatchGateway.query, (requests)),
            this.resolveBatchCallback.selector, context
        );
    }

    /// The batch gateway's answer: a failed request reverts with its error (`HttpError`).
    function resolveBatchCallback(bytes calldata response, bytes calldata extra)
        external view returns (bytes memory, address)
    {
        (bool[] memory failures, bytes[] memory responses) = abi.decode(response, (bool[], bytes[]));
        if (failures.length != 1 || responses.length != 1) revert InvalidBatchGatewayResponse();
        bytes memory answer = responses[0];
        if (failures[0]) {
            assembly {
                revert(add(answer, 32), mload(answer))
            }
        }
        return this.resolveCallback(answer, extra);
    }

    function resolveCallback(bytes calldata response, bytes calldata extra) external view returns (bytes memory, address) {
        (address resolver, bytes4 callback, bytes memory innerExtra, bool extended) =
            abi.decode(extra, (address, bytes4, bytes, bool));
        (bool ok, bytes memory ret) = resolver.staticcall(abi.encodeWithSelector(callback, response, innerExtra));
        if (!ok) handleRevert(resolver, ret, extended);
        if (extended) ret = abi.decode(ret, (bytes));
        return (ret, resolver);
    }

    function reverse(bytes calldata lookupAddress, uint256 coinType) public view returns (string memory, address, address) {
        bytes32 node = keccak256(abi.encodePacked(reverseParent(coinType), keccak256(bytes(hexString(lookupAddress)))));
        address reverseResolver = registry.resolver(node);
        if (reverseResolver == address(0) || reverseResolver.code.length == 0) return ("", address(0), reverseResolver);
        (bool ok, bytes memory ret) = reverseResolver.staticcall(abi.encodeWithSelector(NAME, node));
        if (!ok) return ("", address(0), reverseResolver);
        string memory primary = abi.decode(ret, (string));
        if (bytes(primary).length == 0) return ("", address(0), reverseResolver);
        bytes32 forward = namehash(primary);
        address resolver = registry.resolver(forward);
        bytes memory found;
        if (resolver != address(0) && resolver.code.length != 0) {
            bytes memory call = coinType == 60
                ? abi.encodeWithSelector(ADDR, forward)
                : abi.encodeWithSelector(ADDR_COIN, forward, coinType);
            (bool fok, bytes memory fret) = resolver.staticcall(call);
            if (fok) {
                found = coinType == 60 ? abi.encodePacked(abi.decode(fret, (address))) : abi.decode(fret, (bytes));
            }
        }
        if (keccak256(found) != keccak256(lookupAddress)) revert ReverseAddressMismatch(primary, found);
        return (primary, resolver, reverseResolver);
    }

    function reverseWithGateways(bytes calldata lookupAddress, uint256 coinType, string[] calldata)
        external view returns (string memory, address, address)
    {
        return reverse(lookupAddress, coinType);
    }

    function callResolver(bytes calldata name, bytes calldata data)
        internal view returns (address resolver, bool extended, bool ok, bytes memory ret)
    {
        bool exact;
        (resolver, exact) = findResolver(name);
        if (resolver == address(0)) revert ResolverNotFound(name);
        if (resolver.code.length == 0) revert ResolverNotContract(name, resolver);
        extended = hasInterface(resolver, EXTENDED);
        if (!exact && !extended) revert ResolverNotFound(name);
        bytes memory call = extended ? abi.encodeWithSelector(EXTENDED, name, data) : data;
        (ok, ret) = resolver.staticcall(call);
    }

    function decodeLookup(bytes memory ret)
        internal pure returns (address, string[] memory, bytes memory, bytes4, bytes memory)
    {
        bytes memory args = new bytes(ret.length - 4);
        for (uint256 i = 0; i < args.length; i++) args[i] = ret[i + 4];
        return abi.decode(args, (address, string[], bytes, bytes4, bytes));
    }

    function handleRevert(address resolver, bytes memory ret, bool extended) internal view {
        if (ret.length >= 4 && bytes4(ret) == OffchainLookup.selector) {
            (address sender, string[] memory urls, bytes memory callData, bytes4 callback, bytes memory extra) =
                decodeLookup(ret);
            if (sender != resolver) revert ResolverError(ret);
            revert OffchainLookup(
                address(this), urls, callData, this.resolveCallback.selector,
                abi.encode(resolver, callback, extra, extended)
            );
        }
        revert ResolverError(ret);
    }

    function hasInterface(address target, bytes4 id) internal view returns (bool) {
        (bool ok, bytes memory ret) = target.staticcall(abi.encodeWithSelector(IERC165.supportsInterface.selector, id));
        return ok && ret.length >= 32 && abi.decode(ret, (bool));
    }

    function findResolver(bytes calldata name) internal view returns (address, bool) {
        uint256 offset = 0;
        while (offset < name.length) {
            address r = registry.resolver(namehashAt(name, offset));
            if (r != address(0)) return (r, offset == 0);
            uint256 len = uint8(name[offset]);
            if (len == 0) break;
            offset += 1 + len;
        }
        return (address(0), false);
    }

    function namehashAt(bytes calldata name, uint256 offset) internal pure returns (bytes32) {
        uint256 len = uint8(name[offset]);
        if (len == 0) return bytes32(0);
        bytes32 parent = namehashAt(name, offset + 1 + len);
        return keccak256(abi.encodePacked(parent, keccak256(name[offset + 1:offset + 1 + len])));
    }

    function namehash(string memory name) internal pure returns (bytes32 node) {
        bytes memory b = bytes(name);
        uint256 end = b.length;
        for (uint256 i = b.length; i > 0; i--) {
            if (b[i - 1] == ".") {
                node = keccak256(abi.encodePacked(node, keccak256(slice(b, i, end))));
                end = i - 1;
            }
        }
        node = keccak256(abi.encodePacked(node, keccak256(slice(b, 0, end))));
    }

    function slice(bytes memory b, uint256 start, uint256 end) internal pure returns (bytes memory out) {
        out = new bytes(end - start);
        for (uint256 i = start; i < end; i++) out[i - start] = b[i];
    }

    function reverseParent(uint256 coinType) internal pure returns (bytes32) {
        bytes32 root = keccak256(abi.encodePacked(bytes32(0), keccak256("reverse")));
        string memory label = coinType == 60 ? "addr" : hexNumber(coinType);
        return keccak256(abi.encodePacked(root, keccak256(bytes(label))));
    }

    function hexString(bytes memory data) internal pure returns (string memory) {
        bytes memory digits = "0123456789abcdef";
        bytes memory out = new bytes(data.length * 2);
        for (uint256 i = 0; i < data.length; i++) {
            out[2 * i] = digits[uint8(data[i]) >> 4];
            out[2 * i + 1] = digits[uint8(data[i]) & 15];
        }
        return string(out);
    }

    function hexNumber(uint256 value) internal pure returns (string memory) {
        bytes memory digits = "0123456789abcdef";
        bytes memory tmp = new bytes(64);
        uint256 n = 0;
        do {
            tmp[63 - n] = digits[value & 15];
            value >>= 4;
            n++;
        } while (value != 0);
        bytes memory out = new bytes(n);
        for (uint256 i = 0; i < n; i++) out[i] = tmp[64 - n + i];
        return string(out);
    }
}
