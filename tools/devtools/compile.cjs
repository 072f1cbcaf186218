#!/usr/bin/env node
// Usage: node compile.cjs <file.sol> <ContractName>
// Compiles one Solidity file with solc-js (standard JSON, optimizer on) and prints
// {"abi": [...], "bytecode": "0x..."} on stdout. On compiler errors, prints them on
// stderr and exits with status 1. Imports are resolved relative to the file's directory.
'use strict';

const fs = require('fs');
const path = require('path');
const solc = require('solc');

// EVM target. anvil 1.7.1 defaults to the newest hardfork (Prague), so every EVM version
// solc 0.8.37 can emit works; "paris" avoids PUSH0 and keeps the bytecode usable on any chain.
const EVM_VERSION = 'paris';

function usage() {
  process.stderr.write('usage: node compile.cjs <file.sol> <ContractName>\n');
  process.exit(2);
}

const [file, contractName] = process.argv.slice(2);
if (!file || !contractName) usage();

let source;
try {
  source = fs.readFileSync(file, 'utf8');
} catch (e) {
  process.stderr.write(`cannot read ${file}: ${e.message}\n`);
  process.exit(2);
}

const baseDir = path.dirname(path.resolve(file));
const unitName = path.basename(file);

const input = {
  language: 'Solidity',
  sources: { [unitName]: { content: source } },
  settings: {
    optimizer: { enabled: true, runs: 200 },
    evmVersion: EVM_VERSION,
    outputSelection: { '*': { '*': ['abi', 'evm.bytecode.object'] } },
  },
};

function findImports(importPath) {
  try {
    return { contents: fs.readFileSync(path.resolve(baseDir, importPath), 'utf8') };
  } catch (e) {
    return { error: `import not found: ${importPath}` };
  }
}

const output = JSON.parse(solc.compile(JSON.stringify(input), { import: findImports }));
const diagnostics = output.errors || [];
const errors = diagnostics.filter((d) => d.severity === 'error');
for (const d of diagnostics) {
  if (d.severity !== 'error') process.stderr.write(d.formattedMessage || d.message + '\n');
}
if (errors.length > 0) {
  for (const e of errors) process.stderr.write(e.formattedMessage || e.message + '\n');
  process.exit(1);
}

const contract = output.contracts && output.contracts[unitName] && output.contracts[unitName][contractName];
if (!contract) {
  const found = Object.keys((output.contracts || {})[unitName] || {});
  process.stderr.write(`contract ${contractName} not found in ${file} (found: ${found.join(', ') || 'none'})\n`);
  process.exit(1);
}

process.stdout.write(
  JSON.stringify({ abi: contract.abi, bytecode: '0x' + contract.evm.bytecode.object }) + '\n',
);
