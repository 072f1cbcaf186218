//! The binary's key commands and its refusals, run as a user runs them.

use std::path::Path;
use std::process::{Command, Output};

use anchor_runtime::keys::load_operator_key;
use ssv_protocol::contract::{Address, SharesBlob};
use ssv_protocol::threshold;

const BIN: &str = env!("CARGO_BIN_EXE_anchor-runtime");

fn run(args: &[&str]) -> Output {
    Command::new(BIN).args(args).output().unwrap()
}

fn path(p: &Path) -> &str {
    p.to_str().unwrap()
}

#[test]
fn keygen_keysplit_and_every_operator_opens_its_share() {
    let dir = tempfile::tempdir().unwrap();
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "pass").unwrap();
    let mut specs = Vec::new();
    for id in 1..=4 {
        let out_dir = dir.path().join(format!("op{id}"));
        let out = run(&[
            "keygen",
            "--password-file",
            path(&pw),
            "--out-dir",
            path(&out_dir),
        ]);
        assert!(
            out.status.success(),
            "{}",
            String::from_utf8_lossy(&out.stderr)
        );
        // The printed key is base64 of a PEM "RSA PUBLIC KEY" block.
        let printed = String::from_utf8(out.stdout).unwrap();
        assert!(printed
            .trim()
            .starts_with("LS0tLS1CRUdJTiBSU0EgUFVCTElDIEtFWS0tLS0t"));
        specs.push(format!(
            "{id}={}",
            path(&out_dir.join("encrypted_private_key.json"))
        ));
    }
    let owner = "0x1111111111111111111111111111111111111111";
    let mut args = vec![
        "keysplit",
        "--interop-index",
        "9",
        "--owner",
        owner,
        "--nonce",
        "4",
    ];
    for s in &specs {
        args.push("--operator");
        args.push(s);
    }
    let out = run(&args);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let json: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(json["operatorIds"], serde_json::json!([1, 2, 3, 4]));
    let blob = hex::decode(
        json["sharesData"]
            .as_str()
            .unwrap()
            .trim_start_matches("0x"),
    )
    .unwrap();
    let parsed = SharesBlob::parse(&blob, 4).unwrap();
    let validator = threshold::interop_secret_key(9)
        .unwrap()
        .sk_to_pk()
        .to_bytes();
    assert_eq!(json["publicKey"], format!("0x{}", hex::encode(validator)));
    parsed
        .verify(&validator, &Address::from_hex(owner).unwrap(), 4)
        .unwrap();
    for (i, id) in (1..=4).enumerate() {
        let key_file = dir
            .path()
            .join(format!("op{id}/encrypted_private_key.json"));
        let signer = load_operator_key(&key_file, &pw).unwrap();
        let secret = signer.decrypt_share(&parsed.encrypted_shares[i]).unwrap();
        let sk = threshold::SecretKey::from_bytes(&secret).unwrap();
        assert_eq!(sk.sk_to_pk().to_bytes(), parsed.share_pubkeys[i]);
    }
}

#[test]
fn sync_refuses_bad_settings_with_clear_errors() {
    let dir = tempfile::tempdir().unwrap();
    let pw = dir.path().join("pw");
    std::fs::write(&pw, "right").unwrap();
    let out = run(&[
        "keygen",
        "--password-file",
        path(&pw),
        "--out-dir",
        path(dir.path()),
    ]);
    assert!(out.status.success());
    let keystore = dir.path().join("encrypted_private_key.json");
    let data = dir.path().join("data");
    let stderr = |out: Output| {
        assert!(!out.status.success());
        String::from_utf8_lossy(&out.stderr).to_string()
    };
    // Unknown preset.
    let err = stderr(run(&[
        "sync",
        "--network",
        "goerli",
        "--eth-url",
        "ws://127.0.0.1:1",
        "--data-dir",
        path(&data),
    ]));
    assert!(err.contains("unknown network \"goerli\""), "{err}");
    // `sync` on the network file against a dead endpoint, with extra arguments.
    let sync_with = |net: &Path, extra: &[&str]| {
        let mut args = vec![
            "sync",
            "--network-config",
            path(net),
            "--eth-url",
            "ws://127.0.0.1:1",
            "--data-dir",
            path(&data),
        ];
        args.extend_from_slice(extra);
        stderr(run(&args))
    };
    // A broken network file names itself and the bad field.
    let net = dir.path().join("net.toml");
    std::fs::write(
        &net,
        "name = \"x\"\ncontract = \"0x12\"\ndomain = \"0x00000402\"\n",
    )
    .unwrap();
    let err = sync_with(&net, &[]);
    assert!(
        err.contains("net.toml") && err.contains("contract"),
        "{err}"
    );
    // A wrong password.
    std::fs::write(&net, "name = \"x\"\ncontract = \"0x1111111111111111111111111111111111111111\"\ndomain = \"0x00000402\"\n").unwrap();
    let wrong = dir.path().join("wrong");
    std::fs::write(&wrong, "nope").unwrap();
    let err = sync_with(
        &net,
        &[
            "--operator-keystore",
            path(&keystore),
            "--password-file",
            path(&wrong),
        ],
    );
    assert!(err.contains("wrong password"), "{err}");
    // A database of another network.
    anchor_runtime::store::Store::open(
        &anchor_runtime::store::Store::file_in(&data),
        "other:00000001",
    )
    .unwrap();
    let err = sync_with(&net, &[]);
    assert!(
        err.contains("belongs to network \"other:00000001\""),
        "{err}"
    );
    // A data directory in use.
    let _held = anchor_runtime::lock::lock_data_dir(&data).unwrap();
    let err = sync_with(&net, &[]);
    assert!(
        err.contains("in use by another anchor-runtime process"),
        "{err}"
    );
}
