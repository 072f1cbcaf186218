//! Network presets (the SSV contract, the block it was deployed at, the domain
//! type) and the config file for a local network.

use std::path::Path;

use serde::Deserialize;
use ssv_protocol::contract::Address;
use ssv_protocol::identifiers::Network as SsvNetwork;

/// What the node needs to know of an SSV network.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Network {
    /// Its name; the database is locked to it.
    pub name: String,
    /// The SSV network contract.
    pub contract: Address,
    /// The first block to read events from.
    pub deploy_block: u64,
    /// The domain type that separates its messages from other networks'.
    pub domain: [u8; 4],
}

/// Why a network could not be chosen.
#[derive(Debug, thiserror::Error)]
pub enum NetworkError {
    /// Not a preset.
    #[error("unknown network {0:?}: the presets are mainnet, holesky, hoodi and sepolia; use --network-config for another")]
    Unknown(String),
    /// The config file could not be read.
    #[error("network config {path}: {source}")]
    Read {
        /// The file.
        path: String,
        /// Why.
        source: std::io::Error,
    },
    /// The config file is not valid.
    #[error("network config {path}: {reason}")]
    Invalid {
        /// The file.
        path: String,
        /// What is wrong.
        reason: String,
    },
}

/// The presets: (network, contract, deploy block), as the live networks have
/// them (protocol facts §5; the Go node's `networkconfig`). Names and domain
/// types come from `ssv_protocol::identifiers::Network`.
const PRESETS: [(SsvNetwork, &str, u64); 4] = [
    (
        SsvNetwork::Mainnet,
        "0xDD9BC35aE942eF0cFa76930954a156B3fF30a4E1",
        17_507_487,
    ),
    (
        SsvNetwork::Holesky,
        "0x38A4794cCEd47d3baf7370CcC43B560D3a1beEFA",
        181_612,
    ),
    (
        SsvNetwork::Hoodi,
        "0x58410Bef803ECd7E63B23664C586A6DB72DAf59c",
        1_065,
    ),
    (
        SsvNetwork::Sepolia,
        "0x261419B48F36EdF420743E9f91bABF4856e76f99",
        7_795_814,
    ),
];

/// The names of the presets.
pub fn preset_names() -> impl Iterator<Item = &'static str> {
    PRESETS.iter().map(|p| p.0.name())
}

/// The file form of a local network (TOML):
///
/// ```toml
/// name = "local"
/// contract = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
/// deploy_block = 0
/// domain = "0x00000402"
/// ```
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct NetworkFile {
    name: String,
    contract: String,
    #[serde(default)]
    deploy_block: u64,
    domain: String,
}

impl Network {
    /// A preset by name.
    pub fn preset(name: &str) -> Result<Network, NetworkError> {
        let (network, contract, deploy_block) = PRESETS
            .iter()
            .find(|p| p.0.name() == name)
            .ok_or_else(|| NetworkError::Unknown(name.to_string()))?;
        Ok(Network {
            name: network.name().to_string(),
            // The preset table holds valid addresses; a test parses every one.
            contract: Address::from_hex(contract).unwrap_or_default(),
            deploy_block: *deploy_block,
            domain: network.domain_type(),
        })
    }

    /// A network from a TOML file (see [`NetworkFile`]'s fields).
    pub fn from_file(path: &Path) -> Result<Network, NetworkError> {
        let shown = path.display().to_string();
        let text = std::fs::read_to_string(path).map_err(|source| NetworkError::Read {
            path: shown.clone(),
            source,
        })?;
        Network::from_toml(&text).map_err(|reason| NetworkError::Invalid {
            path: shown,
            reason,
        })
    }

    /// A network from the text of its TOML file.
    pub fn from_toml(text: &str) -> Result<Network, String> {
        let file: NetworkFile = toml::from_str(text).map_err(|e| e.to_string())?;
        let contract = Address::from_hex(&file.contract)
            .ok_or_else(|| format!("contract {:?} is not a 20-byte hex address", file.contract))?;
        let domain_hex = file.domain.strip_prefix("0x").unwrap_or(&file.domain);
        let domain: [u8; 4] = hex::decode(domain_hex)
            .ok()
            .and_then(|d| d.try_into().ok())
            .ok_or_else(|| format!("domain {:?} is not 4 hex bytes", file.domain))?;
        if file.name.is_empty() || preset_names().any(|p| p == file.name) {
            return Err(format!(
                "name {:?} must be non-empty and not a preset's",
                file.name
            ));
        }
        Ok(Network {
            name: file.name,
            contract,
            deploy_block: file.deploy_block,
            domain,
        })
    }

    /// The TOML text [`Network::from_toml`] reads back.
    pub fn to_toml(&self) -> String {
        format!(
            "name = {:?}\ncontract = \"{}\"\ndeploy_block = {}\ndomain = \"0x{}\"\n",
            self.name,
            self.contract.to_checksum(),
            self.deploy_block,
            hex::encode(self.domain)
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn presets_parse_and_files_round_trip() {
        for name in preset_names() {
            let n = Network::preset(name).unwrap();
            assert_ne!(n.contract, Address::default(), "{name}");
        }
        assert_eq!(Network::preset("mainnet").unwrap().domain, [0, 0, 0, 1]);
        assert!(Network::preset("goerli").is_err());
        let local = Network {
            name: "local".into(),
            contract: Address([7; 20]),
            deploy_block: 3,
            domain: [0, 0, 4, 2],
        };
        assert_eq!(Network::from_toml(&local.to_toml()).unwrap(), local);
        assert!(Network::from_toml("name = \"mainnet\"\ncontract = \"0x0000000000000000000000000000000000000001\"\ndomain = \"0x00000001\"").is_err());
        assert!(
            Network::from_toml("name = \"x\"\ncontract = \"0x01\"\ndomain = \"0x00000001\"")
                .is_err()
        );
        assert!(Network::from_toml("name = \"x\"\ncontract = \"0x0000000000000000000000000000000000000001\"\ndomain = \"0x0001\"").is_err());
    }
}
