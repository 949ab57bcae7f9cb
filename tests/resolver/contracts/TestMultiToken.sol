// SPDX-License-Identifier: MIT
pragma solidity ^0.8.20;

/// A minimal ERC-1155 for ENSIP-12 avatar tests: balances set by `mint`, one metadata URI
/// template for every token (`{id}` stands for the id as 64 lower-case hex digits).
contract TestMultiToken {
    mapping(uint256 => mapping(address => uint256)) private balances;
    string private template;

    event TransferSingle(address indexed operator, address indexed from, address indexed to, uint256 id, uint256 value);

    constructor(string memory uriTemplate) {
        template = uriTemplate;
    }

    function mint(address to, uint256 id, uint256 amount) external {
        balances[id][to] += amount;
        emit TransferSingle(msg.sender, address(0), to, id, amount);
    }

    function balanceOf(address account, uint256 id) external view returns (uint256) {
        return balances[id][account];
    }

    function uri(uint256) external view returns (string memory) {
        return template;
    }

    function supportsInterface(bytes4 id) external pure returns (bool) {
        return id == 0xd9b67a26 || id == 0x0e89341c || id == 0x01ffc9a7;
    }
}
