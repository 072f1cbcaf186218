//! The test SSV contract (`contracts/SSVTestRegistry.sol`) on anvil, driven
//! through alloy: deploy, the registry's calls from anvil's unlocked
//! accounts, mining and reorgs.

use alloy::network::TransactionBuilder;
use alloy::primitives::{Address, Bytes, U256};
use alloy::providers::{DynProvider, Provider, ProviderBuilder};
use alloy::rpc::types::TransactionRequest;
use alloy::sol;
use alloy::sol_types::{SolCall, SolValue};

sol! {
    /// The test registry's calls.
    interface ISSVTestRegistry {
        function registerOperator(bytes publicKey, uint256 fee) external returns (uint64 id);
        function removeOperator(uint64 operatorId) external;
        function registerValidator(bytes publicKey, uint64[] operatorIds, bytes shares) external;
        function bulkRegisterValidator(bytes[] publicKeys, uint64[] operatorIds, bytes[] shares) external;
        function removeValidator(bytes publicKey, uint64[] operatorIds) external;
        function exitValidator(bytes publicKey, uint64[] operatorIds) external;
        function liquidate(address owner, uint64[] operatorIds) external;
        function reactivate(uint64[] operatorIds, uint256 amount) external;
        function setFeeRecipientAddress(address recipientAddress) external;
        function emitIgnored() external;
    }
}

pub use ISSVTestRegistry as Registry;

/// The deployed contract and anvil's accounts.
#[derive(Debug)]
pub struct Chain {
    /// The provider.
    pub provider: DynProvider,
    /// The contract.
    pub contract: Address,
    /// anvil's unlocked accounts.
    pub accounts: Vec<Address>,
}

fn rpc(e: impl std::fmt::Display) -> String {
    format!("execution node: {e}")
}

/// Sends `tx` and waits for its receipt; a reverted transaction is an error.
async fn mined(
    provider: &DynProvider,
    tx: TransactionRequest,
) -> Result<alloy::rpc::types::TransactionReceipt, String> {
    let receipt = provider
        .send_transaction(tx)
        .await
        .map_err(rpc)?
        .get_receipt()
        .await
        .map_err(rpc)?;
    if !receipt.status() {
        return Err("transaction reverted".into());
    }
    Ok(receipt)
}

impl Chain {
    /// Deploys `bytecode` from the first account.
    pub async fn deploy(url: &str, bytecode: Vec<u8>) -> Result<Chain, String> {
        let provider = ProviderBuilder::new()
            .connect(url)
            .await
            .map_err(rpc)?
            .erased();
        let accounts = provider.get_accounts().await.map_err(rpc)?;
        let from = *accounts.first().ok_or("anvil has no accounts")?;
        let tx = TransactionRequest::default()
            .with_from(from)
            .with_deploy_code(Bytes::from(bytecode));
        let receipt = mined(&provider, tx).await?;
        Ok(Chain {
            provider,
            contract: receipt.contract_address.ok_or("no contract address")?,
            accounts,
        })
    }

    /// A transaction request calling the contract.
    pub fn request(&self, from: Address, call: impl SolCall) -> TransactionRequest {
        TransactionRequest::default()
            .with_from(from)
            .with_to(self.contract)
            .with_input(Bytes::from(call.abi_encode()))
            .with_gas_limit(3_000_000)
    }

    /// Sends a call and waits for it to be mined; returns its block.
    pub async fn send(&self, from: Address, call: impl SolCall) -> Result<u64, String> {
        let receipt = mined(&self.provider, self.request(from, call)).await?;
        receipt
            .block_number
            .ok_or_else(|| "receipt without a block".into())
    }

    /// The head block number.
    pub async fn head(&self) -> Result<u64, String> {
        self.provider.get_block_number().await.map_err(rpc)
    }

    /// Mines `n` empty blocks.
    pub async fn mine(&self, n: u64) -> Result<(), String> {
        let _: serde_json::Value = self
            .provider
            .raw_request("anvil_mine".into(), (format!("0x{n:x}"),))
            .await
            .map_err(rpc)?;
        Ok(())
    }

    /// Replaces the last `depth` blocks with new ones holding `txs` (each with
    /// its block offset among the new blocks).
    pub async fn reorg(
        &self,
        depth: u64,
        txs: Vec<(TransactionRequest, u64)>,
    ) -> Result<(), String> {
        let pairs: Vec<serde_json::Value> = txs
            .into_iter()
            .map(|(tx, offset)| serde_json::json!([tx, offset]))
            .collect();
        let _: serde_json::Value = self
            .provider
            .raw_request("anvil_reorg".into(), (depth, pairs))
            .await
            .map_err(rpc)?;
        Ok(())
    }
}

/// The `publicKey` the contract's OperatorAdded carries: `abi.encode(bytes)`
/// of the base64 PEM text.
pub fn operator_key_payload(base64_pem: &str) -> Bytes {
    Bytes::from(Bytes::from(base64_pem.as_bytes().to_vec()).abi_encode())
}

/// A u64 as a U256.
pub fn u256(v: u64) -> U256 {
    U256::from(v)
}
