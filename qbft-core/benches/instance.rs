//! One instance processing full rounds of messages, without crypto: a proposal,
//! a quorum of prepares and a quorum of commits per height, for committees of 4
//! and 13. Messages are built beforehand; only `handle` and the output drain are
//! timed. Throughput is in messages per second.

use std::sync::Arc;

use criterion::{criterion_main, BatchSize, Criterion, Throughput};
use qbft_core::testkit::{message, sign, TestContext, TestMessage};
use qbft_core::{
    round_robin_proposer, Committee, Instance, InstanceConfig, InstanceInput, MessageKind,
    Outgoing, Timestamp,
};

const ID: &[u8] = b"bench";

fn round_messages(committee: &Committee, height: u64) -> Vec<Arc<TestMessage>> {
    let leader = round_robin_proposer(committee, height, 1);
    let value = 1_000 + height;
    let mut msgs = vec![sign(
        leader,
        Outgoing {
            message: message(MessageKind::Proposal, height, 1, value, ID),
            full_data: Some(value),
        },
    )];
    for kind in [MessageKind::Prepare, MessageKind::Commit] {
        for &id in committee.members() {
            msgs.push(sign(
                id,
                Outgoing {
                    message: message(kind, height, 1, value, ID),
                    full_data: None,
                },
            ));
        }
    }
    msgs
}

fn bench_full_round(c: &mut Criterion) {
    let mut group = c.benchmark_group("instance_full_round");
    for n in [4u64, 13] {
        let committee = Committee::new(1..=n).unwrap();
        let msgs = round_messages(&committee, 5);
        group.throughput(Throughput::Elements(msgs.len() as u64));
        group.bench_function(format!("n{n}"), |b| {
            b.iter_batched(
                || {
                    let cfg = InstanceConfig {
                        self_id: 1,
                        committee: committee.clone(),
                        cut_off_round: 12,
                    };
                    let mut inst = Instance::new(TestContext::default(), cfg, ID.to_vec(), 5);
                    inst.handle(Timestamp(0), InstanceInput::Start { value: 1 })
                        .unwrap();
                    while inst.poll_output().is_some() {}
                    inst
                },
                |mut inst| {
                    for m in &msgs {
                        let _ = inst.handle(Timestamp(1), InstanceInput::Message(Arc::clone(m)));
                        while let Some(out) = inst.poll_output() {
                            std::hint::black_box(out);
                        }
                    }
                    assert!(inst.state().decided);
                    inst
                },
                BatchSize::SmallInput,
            )
        });
    }
    group.finish();
}

#[allow(missing_docs)]
mod group {
    criterion::criterion_group!(benches, super::bench_full_round);
}
criterion_main!(group::benches);
