//! The trace header: who recorded (software, network, operator), the node's
//! configuration (every `NodeConfig` field; the value checks and aggregator
//! selection are fixed kinds, recorded by name), and the network view at start
//! (the registry the machine was first given, at `start_ms`, with the digest of
//! what that first input produced).

use std::sync::Arc;

use super::bytes::{Dec, DecodeError, Enc};
use super::input::{decode_registry, encode_registry};
use crate::beacon::consensus_data::DataVersion;
use crate::node::{ChainValueChecks, NodeConfig, Registry};
use crate::roles::RoleFork;
use crate::runner::chain::{ChainSpec, Fork};
use crate::runner::SpecSelection;

/// Which value checks the node ran. Only fixed kinds exist, so a trace can
/// name them and replay rebuilds them.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum ValueChecksKind {
    /// [`ChainValueChecks`] over the header's chain.
    Chain,
}

/// Which aggregator selection the node ran.
#[derive(Copy, Clone, Debug, PartialEq, Eq)]
pub enum SelectionKind {
    /// [`SpecSelection`] (consensus-specs' rule).
    Spec,
}

/// Everything needed to rebuild the recorded machine.
#[derive(Clone, Debug)]
pub struct TraceHeader {
    /// The recording software and version.
    pub software: String,
    /// The SSV network's name.
    pub network: String,
    /// Our operator ID.
    pub operator_id: u64,
    /// The SSV network domain.
    pub network_domain: [u8; 4],
    /// The beacon chain.
    pub chain: ChainSpec,
    /// The role set.
    pub roles: RoleFork,
    /// The value checks.
    pub value_checks: ValueChecksKind,
    /// The aggregator selection.
    pub selection: SelectionKind,
    /// `NodeConfig::gas_limit`.
    pub gas_limit: u64,
    /// `NodeConfig::proposer_delay_ms`.
    pub proposer_delay_ms: u64,
    /// `NodeConfig::max_instances`.
    pub max_instances: u64,
    /// `NodeConfig::pending_limit`.
    pub pending_limit: u64,
    /// When the machine was given its first registry (Unix milliseconds).
    pub start_ms: u64,
    /// The network view at start: the first registry.
    pub registry: Arc<Registry>,
    /// How many outputs that first input produced.
    pub start_outputs: u64,
    /// The rolling output digest after them (first 8 bytes).
    pub start_digest: [u8; 8],
}

impl TraceHeader {
    /// The machine's configuration.
    pub fn node_config(&self) -> NodeConfig {
        let chain = Arc::new(self.chain.clone());
        NodeConfig {
            operator_id: self.operator_id,
            network_domain: self.network_domain,
            chain: Arc::clone(&chain),
            roles: self.roles,
            value_checks: match self.value_checks {
                ValueChecksKind::Chain => Arc::new(ChainValueChecks { chain }),
            },
            selection: match self.selection {
                SelectionKind::Spec => Arc::new(SpecSelection),
            },
            gas_limit: self.gas_limit,
            proposer_delay_ms: self.proposer_delay_ms,
            max_instances: usize::try_from(self.max_instances).unwrap_or(usize::MAX),
            pending_limit: usize::try_from(self.pending_limit).unwrap_or(usize::MAX),
        }
    }

    /// The header's encoding.
    pub fn encode(&self, e: &mut Enc) {
        e.str(&self.software);
        e.str(&self.network);
        e.var(self.operator_id);
        e.fixed(&self.network_domain);
        encode_chain(e, &self.chain);
        e.u8(match self.roles {
            RoleFork::Alan => 0,
            RoleFork::Boole => 1,
        });
        e.u8(match self.value_checks {
            ValueChecksKind::Chain => 0,
        });
        e.u8(match self.selection {
            SelectionKind::Spec => 0,
        });
        e.var(self.gas_limit);
        e.var(self.proposer_delay_ms);
        e.var(self.max_instances);
        e.var(self.pending_limit);
        e.var(self.start_ms);
        encode_registry(e, &self.registry);
        e.var(self.start_outputs);
        e.fixed(&self.start_digest);
    }

    /// Decodes a header of this build's format version.
    pub fn decode(d: &mut Dec<'_>) -> Result<Self, DecodeError> {
        Self::decode_format(d, super::FORMAT_VERSION)
    }

    /// Decodes a header written in format `version` (1: no sync
    /// subcommittee size, which was mainnet's 128).
    pub fn decode_format(d: &mut Dec<'_>, version: u16) -> Result<Self, DecodeError> {
        let software = d.str("software")?;
        let network = d.str("network")?;
        let operator_id = d.var("operator id")?;
        let network_domain = d.array("network domain")?;
        let chain = decode_chain(d, version)?;
        let at = d.pos();
        let roles = match d.u8("roles")? {
            0 => RoleFork::Alan,
            1 => RoleFork::Boole,
            _ => {
                return Err(DecodeError {
                    pos: at,
                    what: "roles",
                })
            }
        };
        let at = d.pos();
        let value_checks = match d.u8("value checks")? {
            0 => ValueChecksKind::Chain,
            _ => {
                return Err(DecodeError {
                    pos: at,
                    what: "value checks kind",
                })
            }
        };
        let at = d.pos();
        let selection = match d.u8("selection")? {
            0 => SelectionKind::Spec,
            _ => {
                return Err(DecodeError {
                    pos: at,
                    what: "selection kind",
                })
            }
        };
        Ok(TraceHeader {
            software,
            network,
            operator_id,
            network_domain,
            chain,
            roles,
            value_checks,
            selection,
            gas_limit: d.var("gas limit")?,
            proposer_delay_ms: d.var("proposer delay")?,
            max_instances: d.var("max instances")?,
            pending_limit: d.var("pending limit")?,
            start_ms: d.var("start time")?,
            registry: Arc::new(decode_registry(d)?),
            start_outputs: d.var("start outputs")?,
            start_digest: d.array("start digest")?,
        })
    }
}

fn encode_chain(e: &mut Enc, c: &ChainSpec) {
    e.var(c.genesis_time);
    e.var(c.seconds_per_slot);
    e.var(c.slots_per_epoch);
    e.fixed(&c.genesis_validators_root);
    e.var(c.forks.len() as u64);
    for f in &c.forks {
        e.var(f.epoch);
        e.var(f.version.to_u64());
        e.fixed(&f.fork_version);
    }
    e.var(c.sync_subcommittee_size);
}

fn decode_chain(d: &mut Dec<'_>, version: u16) -> Result<ChainSpec, DecodeError> {
    let genesis_time = d.var("genesis time")?;
    let seconds_per_slot = d.var("seconds per slot")?;
    let slots_per_epoch = d.var("slots per epoch")?;
    let genesis_validators_root = d.array("genesis validators root")?;
    let n = d.len("fork count")?;
    let mut forks = Vec::with_capacity(n);
    for _ in 0..n {
        let epoch = d.var("fork epoch")?;
        let version = decode_version(d)?;
        let fork_version = d.array("fork version")?;
        forks.push(Fork {
            epoch,
            version,
            fork_version,
        });
    }
    let sync_subcommittee_size = if version >= 2 {
        d.var("sync subcommittee size")?
    } else {
        crate::runner::chain::SYNC_SUBCOMMITTEE_SIZE
    };
    Ok(ChainSpec {
        genesis_time,
        seconds_per_slot,
        slots_per_epoch,
        genesis_validators_root,
        forks,
        sync_subcommittee_size,
    })
}

/// A beacon data version by its SSZ number.
pub(super) fn decode_version(d: &mut Dec<'_>) -> Result<DataVersion, DecodeError> {
    let at = d.pos();
    DataVersion::from_u64(d.var("data version")?).ok_or(DecodeError {
        pos: at,
        what: "data version",
    })
}
