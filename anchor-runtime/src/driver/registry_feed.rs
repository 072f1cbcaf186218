//! Keeps the node's registry current: when execution sync stores a new block
//! (and once an epoch, for activations), the contract registry is read from
//! the database, joined with the beacon node's validator indices and status,
//! our shares are decrypted, and the result goes to the driver.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use ssv_protocol::node::{BeaconMetadata, Registry};
use ssv_protocol::operator_key::OperatorSigner;
use tokio::sync::{mpsc, watch};

use super::signing::ShareKeys;
use crate::beacon::BeaconClient;
use crate::eth::SyncStatus;
use crate::store::Store;

/// A registry for the driver, with our operator ID once it is registered.
#[derive(Clone, Debug)]
pub struct RegistryUpdate {
    /// Our operator ID, when the contract has our key.
    pub own_operator: Option<u64>,
    /// The registry.
    pub registry: Arc<Registry>,
    /// Every `ValidatorExited` request the contract holds: (validator public
    /// key, execution block), in event order.
    pub exit_requests: Vec<([u8; 48], u64)>,
}

/// What the feed needs.
pub struct RegistryFeed {
    /// The database file.
    pub store_path: PathBuf,
    /// The beacon nodes.
    pub beacon: Arc<BeaconClient>,
    /// Our key, to decrypt shares.
    pub key: Arc<OperatorSigner>,
    /// Where decrypted shares go.
    pub shares: ShareKeys,
    /// The network's domain type.
    pub domain: [u8; 4],
    /// Graffiti for our proposals.
    pub graffiti: [u8; 32],
    /// How often to refresh without a new block (beacon status changes).
    pub refresh: Duration,
}

impl RegistryFeed {
    /// Runs until the driver goes away.
    pub async fn run(
        self,
        mut sync: watch::Receiver<SyncStatus>,
        out: mpsc::Sender<RegistryUpdate>,
    ) {
        let mut meta: BTreeMap<[u8; 48], BeaconMetadata> = BTreeMap::new();
        let mut loaded_block: Option<Option<u64>> = None;
        let mut last_sent: Option<(Option<u64>, usize, usize)> = None;
        let mut refresh = tokio::time::interval(self.refresh);
        loop {
            let block = sync.borrow().last_block;
            let state =
                match Store::open_read_only(&self.store_path).and_then(|s| s.load_registry()) {
                    Ok(state) => state,
                    Err(e) => {
                        tracing::debug!(error = %e, "registry not readable yet");
                        tokio::time::sleep(Duration::from_secs(1)).await;
                        continue;
                    }
                };
            // Indices and status: asked for validators we do not know as active.
            let wanted: Vec<[u8; 48]> = state
                .validators
                .keys()
                .filter(|pk| !meta.get(*pk).is_some_and(|m| m.active))
                .copied()
                .collect();
            if !wanted.is_empty() {
                match self.beacon.validators(&wanted).await {
                    Ok(found) => meta.extend(found),
                    Err(e) => tracing::warn!(error = %e, "validator status from the beacon node"),
                }
            }
            for e in self.shares.load(&state, &self.key) {
                tracing::error!(error = %e, "share refused");
            }
            let registry = Registry::from_contract(&state, &meta, self.domain, self.graffiti);
            let active = meta.values().filter(|m| m.active).count();
            let signature = (block, registry.validators.len(), active);
            if loaded_block != Some(block) || last_sent != Some(signature) {
                let update = RegistryUpdate {
                    own_operator: state.own_operator,
                    registry: Arc::new(registry),
                    exit_requests: state.exit_requests.clone(),
                };
                if out.send(update).await.is_err() {
                    return;
                }
                loaded_block = Some(block);
                last_sent = Some(signature);
            }
            // Wait for a new stored block or the refresh period; head
            // updates alone change nothing here.
            loop {
                tokio::select! {
                    changed = sync.changed() => {
                        if changed.is_err() {
                            return;
                        }
                        if sync.borrow().last_block != block {
                            break;
                        }
                    }
                    _ = refresh.tick() => break,
                }
            }
        }
    }
}
