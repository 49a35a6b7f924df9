// Compile the Symbiotic core contracts (and omnistake's test token) with solc-js through
// the standard JSON interface, and write one artifact per contract: {abi, bytecode}.
//   node compile.js <node_modules> <own-contracts-dir> <out-dir>
"use strict";
const fs = require("fs");
const path = require("path");

const [nodeModules, ownDir, outDir] = process.argv.slice(2);
if (!nodeModules || !ownDir || !outDir) {
  console.error("usage: node compile.js <node_modules> <own-contracts-dir> <out-dir>");
  process.exit(2);
}
const solc = require(path.join(nodeModules, "solc"));

const CORE = "@symbioticfi/core/src/contracts/";
const WANTED = {
  VaultFactory: "VaultFactory.sol",
  DelegatorFactory: "DelegatorFactory.sol",
  SlasherFactory: "SlasherFactory.sol",
  NetworkRegistry: "NetworkRegistry.sol",
  OperatorRegistry: "OperatorRegistry.sol",
  MetadataService: "service/MetadataService.sol",
  NetworkMiddlewareService: "service/NetworkMiddlewareService.sol",
  OptInService: "service/OptInService.sol",
  Vault: "vault/Vault.sol",
  VaultTokenized: "vault/VaultTokenized.sol",
  NetworkRestakeDelegator: "delegator/NetworkRestakeDelegator.sol",
  FullRestakeDelegator: "delegator/FullRestakeDelegator.sol",
  OperatorSpecificDelegator: "delegator/OperatorSpecificDelegator.sol",
  OperatorNetworkSpecificDelegator: "delegator/OperatorNetworkSpecificDelegator.sol",
  Slasher: "slasher/Slasher.sol",
  VetoSlasher: "slasher/VetoSlasher.sol",
  VaultConfigurator: "VaultConfigurator.sol",
};

const sources = {};
const targets = {};
for (const [name, rel] of Object.entries(WANTED)) {
  const key = CORE + rel;
  sources[key] = { content: fs.readFileSync(path.join(nodeModules, key), "utf8") };
  targets[key] = name;
}
for (const file of fs.readdirSync(ownDir).filter((f) => f.endsWith(".sol"))) {
  const key = "omnistake/" + file;
  sources[key] = { content: fs.readFileSync(path.join(ownDir, file), "utf8") };
  targets[key] = path.basename(file, ".sol");
}

function findImports(importPath) {
  const full = path.join(nodeModules, importPath);
  if (fs.existsSync(full)) return { contents: fs.readFileSync(full, "utf8") };
  return { error: "not found: " + importPath };
}

const input = {
  language: "Solidity",
  sources,
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: "cancun",
    outputSelection: { "*": { "*": [] } },
  },
};
for (const [key, name] of Object.entries(targets)) {
  input.settings.outputSelection[key] = { [name]: ["abi", "evm.bytecode.object"] };
}

const started = Date.now();
const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const errors = (output.errors || []).filter((e) => e.severity === "error");
if (errors.length) {
  for (const e of errors) console.error(e.formattedMessage);
  process.exit(1);
}
fs.mkdirSync(outDir, { recursive: true });
let count = 0;
for (const [key, name] of Object.entries(targets)) {
  const c = output.contracts[key][name];
  const artifact = { contractName: name, source: key, abi: c.abi, bytecode: "0x" + c.evm.bytecode.object };
  fs.writeFileSync(path.join(outDir, name + ".json"), JSON.stringify(artifact));
  count += 1;
}
fs.writeFileSync(
  path.join(outDir, "manifest.json"),
  JSON.stringify({ solc: solc.version(), contracts: Object.values(targets), optimizerRuns: 200 }, null, 1)
);
console.log(`compiled ${count} contracts with solc ${solc.version()} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
