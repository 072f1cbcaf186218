//! SSV's slot-anchored round timeouts, by role.

use qbft_core::Timestamp;
use ssv_protocol::round_timer::RoundTimeouts;
use ssv_protocol::wire::Role;

const SLOT: u64 = 10;

fn timer(role: Role) -> RoundTimeouts {
    RoundTimeouts {
        role,
        genesis_ms: 1_000_000,
        slot_ms: 12_000,
    }
}

#[test]
fn committee_rounds_are_anchored_a_third_into_the_slot() {
    let start = 1_000_000 + SLOT * 12_000;
    let t = timer(Role::Committee);
    // Whenever round 1 starts, it ends 4 s + 2 s into the slot.
    assert_eq!(
        t.deadline(SLOT, 1, Timestamp(start)),
        Timestamp(start + 6_000)
    );
    assert_eq!(
        t.deadline(SLOT, 1, Timestamp(start + 5_000)),
        Timestamp(start + 6_000)
    );
    assert_eq!(
        t.deadline(SLOT, 8, Timestamp(0)),
        Timestamp(start + 4_000 + 16_000)
    );
    assert_eq!(
        t.deadline(SLOT, 9, Timestamp(0)),
        Timestamp(start + 4_000 + 16_000 + 120_000)
    );
    assert_eq!(
        t.deadline(SLOT, 10, Timestamp(0)),
        Timestamp(start + 4_000 + 16_000 + 240_000)
    );
}

#[test]
fn aggregation_rounds_are_anchored_two_thirds_into_the_slot() {
    let start = 1_000_000 + SLOT * 12_000;
    for role in [
        Role::Aggregator,
        Role::SyncCommitteeContribution,
        Role::AggregatorCommittee,
    ] {
        assert_eq!(
            timer(role).deadline(SLOT, 1, Timestamp(start)),
            Timestamp(start + 8_000 + 2_000),
            "{role:?}"
        );
    }
}

#[test]
fn other_roles_time_each_round_from_its_start() {
    let t = timer(Role::Proposer);
    assert_eq!(t.deadline(SLOT, 1, Timestamp(500)), Timestamp(2_500));
    assert_eq!(t.deadline(SLOT, 8, Timestamp(500)), Timestamp(2_500));
    assert_eq!(t.deadline(SLOT, 9, Timestamp(500)), Timestamp(120_500));
}
