// SPDX-License-Identifier: Apache-2.0
pragma solidity 0.8.25;

import {ERC20} from "@openzeppelin/contracts/token/ERC20/ERC20.sol";

/// @notice ERC-20 for omnistake's tests and benchmarks: any decimals, and whoever deployed
/// it may mint. Stands in for LSTs (stETH-like 18 decimals, USDC-like 6, WBTC-like 8).
contract OmnistakeTestToken is ERC20 {
    uint8 private immutable _tokenDecimals;
    address public immutable minter;

    error NotMinter();

    constructor(string memory name_, string memory symbol_, uint8 decimals_) ERC20(name_, symbol_) {
        _tokenDecimals = decimals_;
        minter = msg.sender;
    }

    function decimals() public view override returns (uint8) {
        return _tokenDecimals;
    }

    function mint(address to, uint256 amount) external {
        if (msg.sender != minter) revert NotMinter();
        _mint(to, amount);
    }
}
