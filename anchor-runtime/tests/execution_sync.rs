//! Execution sync against real components on loopback: anvil and the test
//! contract (compiled by solc-js), both installed from npm and started by the
//! test. The node runs as its own process (`anchor-runtime sync`). The test
//! registers, removes, liquidates, reactivates, changes fee recipients and
//! exits; kills the node with SIGKILL in the middle of historical sync and of
//! live sync; reorgs the chain within the follow distance; and checks the
//! database against the expected registry and against clean syncs.
//!
//! Run: `cargo test -p anchor-runtime --test execution_sync`.

mod support;

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use alloy::primitives::Bytes;
use anchor_runtime::devnet::contract::{operator_key_payload, u256, Chain, Registry};
use anchor_runtime::devnet::tools::{Anvil, Devtools};
use anchor_runtime::keys::{generate_operator_key, split_validator};
use anchor_runtime::network::Network;
use anchor_runtime::store::Store;
use serde_json::Value;
use ssv_protocol::contract::Address;
use ssv_protocol::operator_key::{OperatorPublicKey, OperatorSigner};
use ssv_protocol::threshold;

const BIN: &str = env!("CARGO_BIN_EXE_anchor-runtime");

/// One `anchor-runtime sync` process, killed (SIGKILL) on drop.
struct SyncNode {
    child: Child,
    data_dir: PathBuf,
}

#[derive(Clone)]
struct NodeSetup {
    network_file: PathBuf,
    url: String,
    keystore: PathBuf,
    password: PathBuf,
}

impl SyncNode {
    fn start(setup: &NodeSetup, data_dir: &Path, batch: u64) -> SyncNode {
        std::fs::create_dir_all(data_dir).unwrap();
        let log = std::fs::OpenOptions::new()
            .create(true)
            .append(true)
            .open(data_dir.join("node.log"))
            .unwrap();
        let child = Command::new(BIN)
            .arg("sync")
            .arg("--network-config")
            .arg(&setup.network_file)
            .args(["--eth-url", &setup.url])
            .arg("--data-dir")
            .arg(data_dir)
            .arg("--operator-keystore")
            .arg(&setup.keystore)
            .arg("--password-file")
            .arg(&setup.password)
            .args(["--eth-batch-blocks", &batch.to_string()])
            .args(["--api-port", "0", "--metrics-port", "0"])
            .env("RUST_LOG", "info")
            .stdout(Stdio::null())
            .stderr(log)
            .spawn()
            .unwrap();
        SyncNode {
            child,
            data_dir: data_dir.to_path_buf(),
        }
    }

    fn kill(mut self) {
        self.child.kill().unwrap(); // SIGKILL
        self.child.wait().unwrap();
    }

    fn log(&self) -> String {
        std::fs::read_to_string(self.data_dir.join("node.log")).unwrap_or_default()
    }
}

impl Drop for SyncNode {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn last_block(dir: &Path) -> Option<u64> {
    let path = Store::file_in(dir);
    if !path.exists() {
        return None;
    }
    Store::open_read_only(&path).ok()?.last_block().ok()?
}

fn dump(dir: &Path) -> Value {
    let store = Store::open_read_only(&Store::file_in(dir)).unwrap();
    anchor_runtime::dump::store_json(&store).unwrap()
}

/// Waits until the node stored `block`.
fn wait_for(node: &SyncNode, block: u64) {
    let deadline = Instant::now() + Duration::from_secs(90);
    while last_block(&node.data_dir) < Some(block) {
        assert!(
            Instant::now() < deadline,
            "node in {} did not reach block {block} (at {:?}); log:\n{}",
            node.data_dir.display(),
            last_block(&node.data_dir),
            node.log()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
}

fn node_b_log(dir: &Path) -> String {
    std::fs::read_to_string(dir.join("node.log")).unwrap_or_default()
}

fn hex0x(b: &[u8]) -> String {
    format!("0x{}", hex::encode(b))
}

fn pk_bytes(i: u64) -> Vec<u8> {
    threshold::interop_secret_key(i)
        .unwrap()
        .sk_to_pk()
        .to_bytes()
        .to_vec()
}

struct World {
    chain: Chain,
    operators: Vec<(u64, OperatorPublicKey)>,
}

impl World {
    fn addr(&self, i: usize) -> Address {
        Address(self.chain.accounts[i].0 .0)
    }

    /// registerValidator(interop key `v`) by account `from` on `ids`, signed for `nonce`.
    fn register_call(
        &self,
        from: usize,
        v: u64,
        ids: &[u64],
        nonce: u64,
    ) -> Registry::registerValidatorCall {
        let committee: Vec<(u64, OperatorPublicKey)> = ids
            .iter()
            .map(|id| {
                self.operators
                    .iter()
                    .find(|(i, _)| i == id)
                    .unwrap()
                    .clone()
            })
            .collect();
        let sk = threshold::interop_secret_key(v).unwrap();
        let split = split_validator(&sk, &committee, &self.addr(from), nonce).unwrap();
        Registry::registerValidatorCall {
            publicKey: Bytes::from(pk_bytes(v)),
            operatorIds: ids.to_vec(),
            shares: Bytes::from(hex::decode(&split.shares_data[2..]).unwrap()),
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn execution_sync_survives_kills_and_reorgs_and_matches_the_registry() {
    let tools = Devtools::ensure().unwrap();
    let anvil = Anvil::start(&tools, None).unwrap();
    let bytecode = tools
        .compile("SSVTestRegistry.sol", "SSVTestRegistry")
        .unwrap();
    let chain = Chain::deploy(&anvil.http_url(), bytecode).await.unwrap();
    let deploy_block = chain.head().await.unwrap();
    let work = tempfile::tempdir().unwrap();

    // The network file and our operator key, made with the binary's own keygen.
    let network = Network {
        name: "local-test".into(),
        contract: Address(chain.contract.0 .0),
        deploy_block,
        domain: [0, 0, 4, 2],
    };
    let network_file = work.path().join("network.toml");
    std::fs::write(&network_file, network.to_toml()).unwrap();
    let password = work.path().join("password");
    std::fs::write(&password, "correct horse\n").unwrap();
    let key_dir = work.path().join("key");
    let out = Command::new(BIN)
        .arg("keygen")
        .arg("--password-file")
        .arg(&password)
        .arg("--out-dir")
        .arg(&key_dir)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "keygen: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let our_key = String::from_utf8(out.stdout).unwrap().trim().to_string();
    let setup = NodeSetup {
        network_file,
        url: anvil.ws_url(),
        keystore: key_dir.join("encrypted_private_key.json"),
        password,
    };

    // Operators 1..5, all owned by account 1; ours is operator 2.
    let mut operators = Vec::new();
    for id in 1..=5u64 {
        let b64 = if id == 2 {
            our_key.clone()
        } else {
            let signer = OperatorSigner::from_pkcs1_pem(&generate_operator_key().unwrap()).unwrap();
            signer.public_key().to_base64_pem()
        };
        operators.push((
            id,
            OperatorPublicKey::from_base64_pem(b64.as_bytes()).unwrap(),
        ));
        let call = Registry::registerOperatorCall {
            publicKey: operator_key_payload(&b64),
            fee: u256(0),
        };
        chain.send(chain.accounts[1], call).await.unwrap();
        chain.mine(40).await.unwrap();
    }
    let w = World { chain, operators };
    let (alice, bob, carol) = (1usize, 2usize, 3usize);
    let acct = |i: usize| w.chain.accounts[i];
    let c1234 = [1u64, 2, 3, 4];

    // ---- history: everything before the node first starts ----
    // V1 (alice nonce 0), V2 signed for a wrong nonce (skipped, uses nonce 1),
    // V3 on 2..5 (nonce 2); bob's V4 and V5 in one transaction on 1,3,4,5.
    w.chain
        .send(acct(alice), w.register_call(alice, 1, &c1234, 0))
        .await
        .unwrap();
    w.chain.mine(60).await.unwrap();
    w.chain
        .send(acct(alice), w.register_call(alice, 2, &c1234, 0))
        .await
        .unwrap();
    w.chain.mine(60).await.unwrap();
    w.chain
        .send(acct(alice), w.register_call(alice, 3, &[2, 3, 4, 5], 2))
        .await
        .unwrap();
    w.chain.mine(60).await.unwrap();
    let v4 = w.register_call(bob, 4, &[1, 3, 4, 5], 0);
    let v5 = w.register_call(bob, 5, &[1, 3, 4, 5], 1);
    let bulk = Registry::bulkRegisterValidatorCall {
        publicKeys: vec![v4.publicKey.clone(), v5.publicKey.clone()],
        operatorIds: vec![1, 3, 4, 5],
        shares: vec![v4.shares.clone(), v5.shares.clone()],
    };
    w.chain.send(acct(bob), bulk).await.unwrap();
    w.chain.mine(60).await.unwrap();
    let set_fee = |to: usize| Registry::setFeeRecipientAddressCall {
        recipientAddress: acct(to),
    };
    w.chain.send(acct(bob), set_fee(carol)).await.unwrap();
    w.chain.send(acct(carol), set_fee(bob)).await.unwrap();
    w.chain
        .send(acct(alice), Registry::emitIgnoredCall {})
        .await
        .unwrap();
    w.chain.mine(60).await.unwrap();
    w.chain
        .send(
            acct(4),
            Registry::liquidateCall {
                owner: acct(alice),
                operatorIds: c1234.to_vec(),
            },
        )
        .await
        .unwrap();
    w.chain.mine(60).await.unwrap();
    w.chain
        .send(acct(alice), Registry::removeOperatorCall { operatorId: 5 })
        .await
        .unwrap();
    w.chain.mine(700).await.unwrap();
    let history_head = w.chain.head().await.unwrap();
    let history_target = history_head - 8;

    // ---- historical sync, killed in the middle ----
    let dir_a = work.path().join("a");
    let node_a = SyncNode::start(&setup, &dir_a, 5);
    let kill_window = (deploy_block + 150)..(history_target - 300);
    let deadline = Instant::now() + Duration::from_secs(60);
    let killed_at = loop {
        let at = last_block(&dir_a);
        if at.is_some_and(|b| kill_window.contains(&b)) {
            break at.unwrap();
        }
        assert!(
            at.is_none_or(|b| b < kill_window.end),
            "node synced past the kill window before it could be killed"
        );
        assert!(
            Instant::now() < deadline,
            "historical sync did not start:\n{}",
            node_a.log()
        );
        std::thread::sleep(Duration::from_millis(2));
    };
    node_a.kill();
    let after_kill = last_block(&dir_a).unwrap();
    eprintln!(
        "killed historical sync at block {killed_at} (stored {after_kill}) of {history_target}"
    );
    assert!(after_kill < history_target);

    let node_a = SyncNode::start(&setup, &dir_a, 5);
    // The clean node's first endpoint is dead: it must fail over to the second.
    let dir_b = work.path().join("b");
    let dead = format!("ws://127.0.0.1:{};{}", support::free_port(), setup.url);
    let setup_b = NodeSetup {
        url: dead,
        ..setup.clone()
    };
    let node_b = SyncNode::start(&setup_b, &dir_b, 200);
    wait_for(&node_a, history_target);
    wait_for(&node_b, history_target);
    assert_eq!(
        dump(&dir_a),
        dump(&dir_b),
        "resumed sync differs from a clean sync"
    );

    // ---- live sync, killed in the middle ----
    let first_live = w
        .chain
        .send(
            acct(alice),
            Registry::reactivateCall {
                operatorIds: c1234.to_vec(),
                amount: u256(5),
            },
        )
        .await
        .unwrap();
    w.chain.mine(3).await.unwrap();
    w.chain
        .send(
            acct(alice),
            Registry::exitValidatorCall {
                publicKey: Bytes::from(pk_bytes(3)),
                operatorIds: vec![2, 3, 4, 5],
            },
        )
        .await
        .unwrap();
    w.chain.mine(3).await.unwrap();
    w.chain
        .send(
            acct(bob),
            Registry::removeValidatorCall {
                publicKey: Bytes::from(pk_bytes(4)),
                operatorIds: vec![1, 3, 4, 5],
            },
        )
        .await
        .unwrap();
    w.chain.mine(3).await.unwrap();
    w.chain
        .send(acct(alice), w.register_call(alice, 6, &c1234, 3))
        .await
        .unwrap();
    // Blocks arrive one at a time; the node is killed once it has stored the
    // first live event but not yet the last.
    // (Up to 200 blocks: a loaded machine's node may need many to catch up;
    // the loop stops as soon as it has.)
    let mut killed = None;
    for _ in 0..200 {
        w.chain.mine(1).await.unwrap();
        std::thread::sleep(Duration::from_millis(40));
        if killed.is_none() && last_block(&dir_a) >= Some(first_live) {
            killed = last_block(&dir_a);
            break;
        }
    }
    let killed = killed.expect("live sync did not reach the first live event");
    node_a.kill();
    eprintln!("killed live sync at block {killed} (first live event at {first_live})");
    w.chain.mine(30).await.unwrap();
    let node_a = SyncNode::start(&setup, &dir_a, 5);
    let live_target = w.chain.head().await.unwrap() - 8;
    wait_for(&node_a, live_target);
    wait_for(&node_b, live_target);
    assert_eq!(
        dump(&dir_a),
        dump(&dir_b),
        "live sync after a kill differs from an uninterrupted one"
    );

    // ---- a reorg within the follow distance ----
    // V7 is registered in block r; blocks r..r+2 are then replaced by blocks in
    // which bob sets alice as his fee recipient instead. V7 must never appear.
    w.chain
        .send(acct(alice), w.register_call(alice, 7, &c1234, 4))
        .await
        .unwrap();
    w.chain.mine(2).await.unwrap();
    let replacement = w.chain.request(acct(bob), set_fee(alice));
    w.chain.reorg(3, vec![(replacement, 0)]).await.unwrap();
    w.chain.mine(12).await.unwrap();
    let final_target = w.chain.head().await.unwrap() - 8;
    wait_for(&node_a, final_target);
    wait_for(&node_b, final_target);
    drop(node_b);
    let a = dump(&dir_a);
    assert_eq!(a, dump(&dir_b));
    assert!(
        node_b_log(&dir_b).contains("execution node call failed"),
        "node b never used its dead endpoint"
    );

    // A clean sync of the final chain gives the same database.
    let dir_c = work.path().join("c");
    let node_c = SyncNode::start(&setup, &dir_c, 200);
    wait_for(&node_c, final_target);
    let c = dump(&dir_c);
    assert_eq!(a, c, "a clean sync of the final chain differs");

    // ---- the expected registry ----
    let reg = &c["registry"];
    assert_eq!(reg["own_operator"], 2);
    let ops: BTreeSet<&str> = reg["operators"]
        .as_object()
        .unwrap()
        .keys()
        .map(String::as_str)
        .collect();
    assert_eq!(ops, BTreeSet::from(["1", "2", "3", "4"]));
    let vals = reg["validators"].as_object().unwrap();
    let keys: BTreeSet<String> = vals.keys().cloned().collect();
    let want: BTreeSet<String> = [1, 3, 5, 6].iter().map(|i| hex0x(&pk_bytes(*i))).collect();
    assert_eq!(
        keys, want,
        "validators 2 (bad signature), 4 (removed) and 7 (reorged out) are absent"
    );
    let v = |i: u64| &vals[&hex0x(&pk_bytes(i))];
    assert_eq!(v(1)["liquidated"], false, "reactivated");
    assert_eq!(v(1)["own_share"], true);
    assert_eq!(v(3)["own_share"], true);
    assert_eq!(v(3)["operators"], serde_json::json!([2, 3, 4, 5]));
    assert_eq!(v(5)["own_share"], false, "operator 2 is not in 1,3,4,5");
    assert_eq!(v(5)["owner"], w.addr(bob).to_checksum());
    assert_eq!(v(6)["own_share"], true);
    let owners = &reg["owners"];
    let owner = |i: usize| &owners[&w.addr(i).to_checksum()];
    assert_eq!(
        owner(alice)["nonce"],
        3,
        "V1, V2 (bad), V3, V6; V7 reorged out"
    );
    assert_eq!(owner(alice)["fee_recipient"], w.addr(alice).to_checksum());
    assert_eq!(owner(bob)["nonce"], 1);
    assert_eq!(
        owner(bob)["fee_recipient"],
        w.addr(alice).to_checksum(),
        "set in the reorg's block"
    );
    assert_eq!(
        owner(carol)["nonce"],
        Value::Null,
        "a fee recipient alone uses no nonce"
    );
    assert_eq!(owner(carol)["fee_recipient"], w.addr(bob).to_checksum());
    assert_eq!(reg["exit_requests"].as_array().unwrap().len(), 1);
    assert_eq!(reg["exit_requests"][0]["pubkey"], hex0x(&pk_bytes(3)));
    let skipped = c["skipped_events"].as_array().unwrap();
    assert_eq!(
        skipped.len(),
        1,
        "only V2's ValidatorAdded is skipped: {skipped:?}"
    );
    assert_eq!(skipped[0]["event"], "ValidatorAdded");
    assert!(skipped[0]["reason"].as_str().unwrap().contains("nonce 1"));
}
