//! Work a replay can do for an input ahead of feeding it, on another thread:
//! what the machine will compute from the input's bytes alone and remember
//! anyway. Outputs never depend on it, only the replay's speed does.

use std::collections::BTreeMap;

use blst::min_pk::PublicKey;

use crate::node::{Input, Registry};
use crate::signature_check::{
    partial_for_interpolation, prepare_partial, prepare_root, verify_checked_key,
};
use crate::threshold::{public_key_from_bytes, reconstruct_signature};
use crate::wire::{PartialSignatureMessages, SignedSsvMessage, SsvMsgType};

/// Slots a collection of partial signatures is kept after the newest slot
/// seen (a duty's partials arrive within a few slots).
const KEEP_SLOTS: u64 = 64;

/// Partial signatures of one validator and root, as they arrived.
struct Collected {
    slot: u64,
    signers: BTreeMap<u64, [u8; 96]>,
    tried: bool,
}

/// Prepares a replay's inputs ahead of the machine ([`Preparer::prepare`]).
///
/// Beyond [`prepare`], it collects the partial signatures of each validator
/// duty (aggregation, contribution, proposal, ...) and root from the gossip
/// it sees and, once a quorum of the validator's committee has sent theirs,
/// hands out the rebuild and check of the validator's signature
/// ([`RebuildCheck`]), which the machine will make when its own partial and
/// the others reach a quorum: any quorum of valid partials rebuilds the same
/// signature, so the machine finds the check done if the `RebuildCheck` ran
/// first (and the check skips itself if the machine was first). Our own
/// partials are not gossip, so a rebuild waits for a quorum of the other
/// operators; when they never send one (an operator down) only the machine
/// checks.
pub struct Preparer {
    /// Committee size and parsed key (`None`: does not parse) by validator key.
    validators: BTreeMap<[u8; 48], (usize, Option<PublicKey>)>,
    collected: BTreeMap<([u8; 48], [u8; 32]), Collected>,
    newest_slot: u64,
}

impl Preparer {
    /// A preparer for a machine started on `registry` (a trace header's).
    pub fn new(registry: &Registry) -> Self {
        let mut p = Preparer {
            validators: BTreeMap::new(),
            collected: BTreeMap::new(),
            newest_slot: 0,
        };
        p.learn(registry);
        // The machine's checks are remembered too, so a rebuild the machine
        // checked first is skipped.
        crate::signature_check::remember_checks();
        p
    }

    fn learn(&mut self, registry: &Registry) {
        let mut validators = BTreeMap::new();
        for v in &registry.validators {
            let size = v.committee().len();
            let known = self.validators.get(&v.pubkey).map(|(_, pk)| *pk);
            let key = known.unwrap_or_else(|| public_key_from_bytes(&v.pubkey).ok());
            validators.insert(v.pubkey, (size, key));
        }
        self.validators = validators;
    }

    /// Prepares `input` ahead of the machine: the work of [`prepare`], then
    /// the signatures it can now rebuild, as checks to run (on any thread,
    /// before the machine reaches the input that completes them).
    pub fn prepare(&mut self, input: &Input) -> Vec<RebuildCheck> {
        if let Input::Registry(registry) = input {
            self.learn(registry);
            return Vec::new();
        }
        let Some((m, p, _)) = prepare_gossip(input) else {
            return Vec::new();
        };
        if p.slot > self.newest_slot {
            self.newest_slot = p.slot;
            let oldest = p.slot.saturating_sub(KEEP_SLOTS);
            self.collected.retain(|_, c| c.slot >= oldest);
        }
        // Validator roles only: their message ID names the validator, and
        // each validator's signature is checked alone. A committee's are
        // checked in one batch by the machine.
        if m.ssv_message.msg_id.role().is_committee_role() {
            return Vec::new();
        }
        let Ok(validator) = <[u8; 48]>::try_from(m.ssv_message.msg_id.duty_executor()) else {
            return Vec::new();
        };
        let Some((size, Some(pk))) = self.validators.get(&validator) else {
            return Vec::new();
        };
        let quorum = 2 * (size.saturating_sub(1) / 3) + 1;
        let mut checks = Vec::new();
        for s in &p.messages {
            let c = self
                .collected
                .entry((validator, s.signing_root))
                .or_insert_with(|| Collected {
                    slot: p.slot,
                    signers: BTreeMap::new(),
                    tried: false,
                });
            c.signers.entry(s.signer).or_insert(s.signature);
            if c.tried || c.signers.len() < quorum {
                continue;
            }
            c.tried = true;
            checks.push(RebuildCheck {
                key: *pk,
                root: s.signing_root,
                partials: c
                    .signers
                    .iter()
                    .take(quorum)
                    .map(|(i, s)| (*i, *s))
                    .collect(),
            });
        }
        checks
    }
}

/// A validator's signature to rebuild from a quorum of partials and check,
/// from [`Preparer::prepare`].
pub struct RebuildCheck {
    key: PublicKey,
    root: [u8; 32],
    partials: Vec<(u64, [u8; 96])>,
}

impl RebuildCheck {
    /// Rebuilds the signature and checks it, remembering a check that holds
    /// for the machine. Whether it held (false also when a partial does not
    /// decompress or the signers do not rebuild).
    pub fn run(&self) -> bool {
        let partials: Option<Vec<_>> = self
            .partials
            .iter()
            .map(|(signer, sig)| {
                partial_for_interpolation(sig)
                    .ok()
                    .map(|sig| (*signer, sig))
            })
            .collect();
        match partials.and_then(|p| reconstruct_signature(&p).ok()) {
            Some(sig) => verify_checked_key(&self.key, &self.root, &sig),
            None => false,
        }
    }
}

/// For a gossiped partial-signature message: hashes to G2 the signing roots
/// its partial signatures (and the signatures rebuilt from them) are checked
/// against, and decompresses the partial signatures. Other inputs, and bytes
/// that do not decode, are left alone: the machine refuses those itself.
/// Returns how many distinct roots it hashed or found hashed.
pub fn prepare(input: &Input) -> usize {
    prepare_gossip(input).map_or(0, |(_, _, roots)| roots)
}

/// [`prepare`]'s work; the decoded message and its number of distinct roots
/// when it is a partial-signature one.
fn prepare_gossip(input: &Input) -> Option<(SignedSsvMessage, PartialSignatureMessages, usize)> {
    let Input::Gossip { data, .. } = input else {
        return None;
    };
    let m = SignedSsvMessage::decode(data).ok()?;
    if m.ssv_message.msg_type != SsvMsgType::PartialSignature {
        return None;
    }
    let p = PartialSignatureMessages::decode(&m.ssv_message.data).ok()?;
    let mut roots: Vec<[u8; 32]> = p.messages.iter().map(|s| s.signing_root).collect();
    roots.sort_unstable();
    roots.dedup();
    for root in &roots {
        prepare_root(root);
    }
    for s in &p.messages {
        prepare_partial(&s.signature);
    }
    Some((m, p, roots.len()))
}

#[cfg(test)]
mod tests {
    use super::{prepare, Preparer};
    use crate::node::{Input, RegisteredValidator, Registry};
    use crate::threshold::{reconstruct_signature, sign, split, verify};
    use crate::wire::{
        MessageId, PartialSigKind, PartialSignature, PartialSignatureMessages, Role,
        SignedSsvMessage, SsvMessage, SsvMsgType,
    };
    use blst::min_pk::SecretKey;

    fn gossip(msg_type: SsvMsgType, data: Vec<u8>) -> Input {
        gossip_of(&[0xAA; 48], Role::Aggregator, msg_type, data)
    }

    fn gossip_of(validator: &[u8; 48], role: Role, msg_type: SsvMsgType, data: Vec<u8>) -> Input {
        let m = SignedSsvMessage {
            signatures: vec![vec![0; 256]],
            operator_ids: vec![1],
            ssv_message: SsvMessage {
                msg_type,
                msg_id: MessageId::for_validator([0; 4], role, validator),
                data,
            },
            full_data: vec![],
        };
        Input::Gossip {
            id: 1,
            peer: vec![],
            topic: String::new(),
            data: m.encode(),
            signatures: Some(true),
        }
    }

    #[test]
    fn hashes_the_distinct_roots_of_partial_signatures_only() {
        let partial = |root: u8, index: u64| PartialSignature {
            signature: [1; 96],
            signing_root: [root; 32],
            signer: 1,
            validator_index: index,
        };
        let p = PartialSignatureMessages {
            kind: PartialSigKind::PostConsensus,
            slot: 5,
            messages: vec![partial(7, 1), partial(8, 2), partial(7, 3)],
        };
        assert_eq!(
            prepare(&gossip(SsvMsgType::PartialSignature, p.encode())),
            2
        );
        assert_eq!(prepare(&gossip(SsvMsgType::Consensus, p.encode())), 0);
        assert_eq!(
            prepare(&gossip(SsvMsgType::PartialSignature, vec![1, 2])),
            0
        );
        let mut cut = gossip(SsvMsgType::PartialSignature, p.encode());
        if let Input::Gossip { data, .. } = &mut cut {
            data.truncate(10);
        }
        assert_eq!(prepare(&cut), 0);
        assert_eq!(prepare(&Input::Tick), 0);
    }

    /// Partials of operators 2, 3 and 4 of a 4-operator committee: the
    /// third completes a quorum, and the check handed out rebuilds the
    /// validator's signature and finds it valid, once.
    #[test]
    fn hands_out_one_rebuild_per_validator_and_root_at_a_quorum() {
        let secret = SecretKey::key_gen(&[42; 32], &[]).expect("32 bytes");
        let validator = secret.sk_to_pk().to_bytes();
        let shares = split(&secret, &[1, 2, 3, 4], 3, &[7; 32]).expect("4 shares");
        let registry = Registry {
            operators: Default::default(),
            validators: vec![RegisteredValidator {
                pubkey: validator,
                index: Some(9),
                operators: vec![1, 2, 3, 4],
                liquidated: false,
                active: true,
                share: None,
            }],
        };
        let mut preparer = Preparer::new(&Registry::default());
        // Validators learnt from a registry update, as a trace feeds them.
        assert!(preparer
            .prepare(&Input::Registry(std::sync::Arc::new(registry)))
            .is_empty());
        let root = [0x33; 32];
        let from = |signer: u64, role: Role| {
            let sk = &shares[signer as usize - 1].1;
            let p = PartialSignatureMessages {
                kind: PartialSigKind::ContributionProofs,
                slot: 12,
                messages: vec![PartialSignature {
                    signature: sign(sk, &root).to_bytes(),
                    signing_root: root,
                    signer,
                    validator_index: 9,
                }],
            };
            gossip_of(&validator, role, SsvMsgType::PartialSignature, p.encode())
        };
        let role = Role::SyncCommitteeContribution;
        assert!(preparer.prepare(&from(2, role)).is_empty());
        assert!(preparer.prepare(&from(3, role)).is_empty());
        let checks = preparer.prepare(&from(4, role));
        assert_eq!(checks.len(), 1);
        assert!(checks[0].run());
        // Any quorum rebuilds the same signature, here operators 1, 2 and 3.
        let partials: Vec<_> = (1..=3u64)
            .map(|i| (i, sign(&shares[i as usize - 1].1, &root)))
            .collect();
        let rebuilt = reconstruct_signature(&partials).expect("a quorum");
        assert!(verify(&secret.sk_to_pk(), &root, &rebuilt));
        // A repeated partial, or more after the quorum: nothing new.
        assert!(preparer.prepare(&from(4, role)).is_empty());
        assert!(preparer.prepare(&from(1, role)).is_empty());
        // A committee role's messages are left to the machine's batch.
        let other = [0x44; 32];
        let committee = |signer: u64| {
            let p = PartialSignatureMessages {
                kind: PartialSigKind::PostConsensus,
                slot: 12,
                messages: vec![PartialSignature {
                    signature: sign(&shares[signer as usize - 1].1, &other).to_bytes(),
                    signing_root: other,
                    signer,
                    validator_index: 9,
                }],
            };
            gossip_of(
                &validator,
                Role::Committee,
                SsvMsgType::PartialSignature,
                p.encode(),
            )
        };
        for signer in 2..=4 {
            assert!(preparer.prepare(&committee(signer)).is_empty());
        }
    }

    /// A wrong partial rebuilds a signature that does not hold: the check
    /// says so (and remembers nothing).
    #[test]
    fn a_rebuild_from_a_bad_partial_does_not_hold() {
        let secret = SecretKey::key_gen(&[43; 32], &[]).expect("32 bytes");
        let validator = secret.sk_to_pk().to_bytes();
        let shares = split(&secret, &[1, 2, 3, 4], 3, &[8; 32]).expect("4 shares");
        let registry = Registry {
            operators: Default::default(),
            validators: vec![RegisteredValidator {
                pubkey: validator,
                index: Some(10),
                operators: vec![1, 2, 3, 4],
                liquidated: false,
                active: true,
                share: None,
            }],
        };
        let mut preparer = Preparer::new(&registry);
        let root = [0x55; 32];
        let mut checks = Vec::new();
        for signer in 2..=4u64 {
            // Operator 3 signs another root.
            let signed = if signer == 3 { [0x56; 32] } else { root };
            let p = PartialSignatureMessages {
                kind: PartialSigKind::SelectionProof,
                slot: 3,
                messages: vec![PartialSignature {
                    signature: sign(&shares[signer as usize - 1].1, &signed).to_bytes(),
                    signing_root: root,
                    signer,
                    validator_index: 10,
                }],
            };
            checks.extend(preparer.prepare(&gossip_of(
                &validator,
                Role::Aggregator,
                SsvMsgType::PartialSignature,
                p.encode(),
            )));
        }
        assert_eq!(checks.len(), 1);
        assert!(!checks[0].run());
    }
}
