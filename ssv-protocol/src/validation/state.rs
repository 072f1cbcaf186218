//! What the validator remembers per (sending peer, message ID, signer): per slot,
//! the round reached and the message kinds seen, the decided signer sets, the
//! partial-signature messages; and the slots with messages per epoch.

/// How many slots of state are kept (ssv: SlotsPerEpoch + LateSlotAllowance = 34).
pub const STATE_TTL_SLOTS: u64 = 34;

/// What one signer did in one slot.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SlotState {
    /// The highest round seen.
    pub round: u64,
    /// The root of the proposal seen in `round` (boxed: one signer in a
    /// committee proposes in a slot, and every signer's state is kept 34
    /// slots; inline it would make each slot's state 64 bytes, not 32).
    pub proposal: Option<Box<[u8; 32]>>,
    /// A prepare was seen in `round`.
    pub prepare: bool,
    /// A single-signer commit was seen in `round`.
    pub commit: bool,
    /// A round change was seen in `round`.
    pub round_change: bool,
    /// Signer sets of decided messages seen.
    pub decided: DecidedSets,
    /// Pre-consensus partial-signature messages seen.
    pub pre_consensus: u8,
    /// Post-consensus partial-signature messages seen.
    pub post_consensus: u8,
}

impl SlotState {
    /// Moves to a higher round: the per-round counters restart.
    pub fn enter_round(&mut self, round: u64) {
        if round > self.round {
            self.round = round;
            self.proposal = None;
            self.prepare = false;
            self.commit = false;
            self.round_change = false;
        }
    }
}

/// The signer sets of the decided messages seen in one slot, each as a
/// [`signer_mask`]: none for most signers and slots, so the list is boxed only
/// once there is one (a slot's state is kept for every signer for 34 slots).
/// As a set of operator-ID lists each decided message cost every one of its
/// signers a tree node and a list, about 330 bytes; a mask costs 8.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
// Boxed on purpose: 8 bytes inline instead of an empty list's 24.
#[allow(clippy::box_collection)]
pub struct DecidedSets(Option<Box<Vec<u64>>>);

impl DecidedSets {
    /// Whether this signer set (a [`signer_mask`]) was seen.
    pub fn contains(&self, mask: u64) -> bool {
        self.0.as_ref().is_some_and(|s| s.contains(&mask))
    }

    /// Remembers a signer set (a [`signer_mask`]).
    pub fn insert(&mut self, mask: u64) {
        if !self.contains(mask) {
            self.0.get_or_insert_with(Box::default).push(mask);
        }
    }

    /// How many sets were seen.
    pub fn len(&self) -> usize {
        self.0.as_ref().map_or(0, |s| s.len())
    }

    /// Whether none was seen.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

/// A set of a committee's operators as a bitmask of their positions in its
/// sorted operator list (as the reference node keys the signer sets it has
/// seen: a bitmask by committee position). Signers outside `committee` add
/// nothing (validation has refused them before). A committee has at most 13
/// operators; past 64 positions would share bits, which could only make a
/// decided message with a new signer set look seen, and so be ignored.
pub fn signer_mask(committee: &[u64], signers: &[u64]) -> u64 {
    signers
        .iter()
        .filter_map(|id| committee.binary_search(id).ok())
        .fold(0, |mask, pos| mask | 1 << (pos % 64))
}

/// Values by slot (or epoch) in a list sorted by key. A signer's state holds
/// at most [`STATE_TTL_SLOTS`] slots and three epochs, keys mostly arrive in
/// order and leave from the front; a `BTreeMap` would allocate whole tree
/// nodes (eleven entries each) for them, about twice the memory.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SlotMap<V> {
    entries: Vec<(u64, V)>,
}

impl<V> Default for SlotMap<V> {
    fn default() -> Self {
        SlotMap {
            entries: Vec::new(),
        }
    }
}

impl<V> SlotMap<V> {
    fn find(&self, key: u64) -> Result<usize, usize> {
        // Keys mostly arrive in order: check the end before searching.
        match self.entries.last() {
            Some((last, _)) if *last < key => Err(self.entries.len()),
            _ => self.entries.binary_search_by_key(&key, |(k, _)| *k),
        }
    }

    /// The value of `key`.
    pub fn get(&self, key: u64) -> Option<&V> {
        self.find(key).ok().map(|i| &self.entries[i].1)
    }

    /// The value of `key`, inserted by `make` if absent.
    pub fn get_or_insert_with(&mut self, key: u64, make: impl FnOnce() -> V) -> &mut V {
        let i = match self.find(key) {
            Ok(i) => i,
            Err(i) => {
                if self.entries.len() == self.entries.capacity() {
                    // Grow by half, not double (a `Vec` starts at four): most
                    // signers under a validator's own message ID hold one
                    // slot and one epoch, committees' signers up to 34 slots.
                    self.entries.reserve_exact((self.entries.len() / 2).max(1));
                }
                self.entries.insert(i, (key, make()));
                i
            }
        };
        &mut self.entries[i].1
    }

    /// Makes room for `n` entries in all without growing again.
    pub fn reserve(&mut self, n: usize) {
        self.entries
            .reserve_exact(n.saturating_sub(self.entries.len()));
    }

    /// Keeps the entries whose key passes `keep`.
    pub fn retain_keys(&mut self, keep: impl Fn(u64) -> bool) {
        self.entries.retain(|(k, _)| keep(*k));
    }

    /// The highest key.
    pub fn last_key(&self) -> Option<u64> {
        self.entries.last().map(|(k, _)| *k)
    }

    /// The values in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.entries.iter().map(|(_, v)| v)
    }

    /// How many entries.
    pub fn len(&self) -> usize {
        self.entries.len()
    }

    /// Whether there are none.
    pub fn is_empty(&self) -> bool {
        self.entries.is_empty()
    }

    /// How many entries fit without growing.
    pub fn capacity(&self) -> usize {
        self.entries.capacity()
    }
}

/// One signer's state under one (peer, message ID).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SignerState {
    /// Per-slot state, the last [`STATE_TTL_SLOTS`] slots.
    pub slots: SlotMap<SlotState>,
    /// Slots with messages, per epoch.
    pub duty_slots: SlotMap<EpochSlots>,
}

/// A set of slots of one epoch: a bitmask of offsets from the epoch's first
/// slot (any slot past 64 of them, which no network has, in a sorted list).
/// A node keeps one per (peer, message ID, signer) and epoch for two or three
/// epochs; as a `BTreeSet` each cost a tree node, a few MB at 1,000 validators.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct EpochSlots {
    first: u64,
    bits: u64,
    /// Slots outside the mask, sorted (boxed: never needed on a real network).
    // Boxed on purpose: 8 bytes inline instead of an empty list's 24.
    #[allow(clippy::box_collection)]
    more: Option<Box<Vec<u64>>>,
}

impl EpochSlots {
    /// An empty set for the epoch whose first slot is `first`.
    pub fn new(first: u64) -> Self {
        EpochSlots {
            first,
            bits: 0,
            more: None,
        }
    }

    /// Adds `slot`.
    pub fn insert(&mut self, slot: u64) {
        match slot.checked_sub(self.first) {
            Some(offset) if offset < 64 => self.bits |= 1 << offset,
            _ => {
                let more = self.more.get_or_insert_with(Box::default);
                if let Err(i) = more.binary_search(&slot) {
                    more.insert(i, slot);
                }
            }
        }
    }

    /// Whether `slot` is in the set.
    pub fn contains(&self, slot: u64) -> bool {
        match slot.checked_sub(self.first) {
            Some(offset) if offset < 64 => self.bits & (1 << offset) != 0,
            _ => self
                .more
                .as_ref()
                .is_some_and(|m| m.binary_search(&slot).is_ok()),
        }
    }

    /// How many slots the set holds.
    pub fn len(&self) -> usize {
        self.bits.count_ones() as usize + self.more.as_ref().map_or(0, |m| m.len())
    }

    /// Whether the set is empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

impl SignerState {
    /// The highest slot seen.
    pub fn max_slot(&self) -> Option<u64> {
        self.slots.last_key()
    }

    /// Drops state older than the TTL before `current_slot`.
    pub fn prune(&mut self, current_slot: u64, slots_per_epoch: u64) {
        let oldest = current_slot.saturating_sub(STATE_TTL_SLOTS);
        self.slots.retain_keys(|slot| slot >= oldest);
        // A message older than the TTL is refused as late (one slot of margin for
        // the late rule's tolerance), so older epochs' counts are never read.
        let oldest_counted = current_slot.saturating_sub(STATE_TTL_SLOTS + 1);
        self.duty_slots
            .retain_keys(|epoch| epoch >= oldest_counted / slots_per_epoch.max(1));
    }

    /// Whether nothing is left.
    pub fn is_empty(&self) -> bool {
        self.slots.is_empty() && self.duty_slots.is_empty()
    }
}

#[cfg(test)]
mod tests {
    use super::{EpochSlots, SlotState};
    use std::collections::BTreeSet;

    /// Every signer keeps a slot's state for 34 slots (committee signers
    /// reserve them all from their third slot): its size is most of the validation memory.
    #[test]
    fn a_slot_state_stays_four_words() {
        assert_eq!(std::mem::size_of::<SlotState>(), 32);
        let mut s = SlotState {
            proposal: Some(Box::new([1; 32])),
            ..SlotState::default()
        };
        s.enter_round(2);
        assert_eq!(s.proposal, None);
    }

    /// Masks of a 13-operator committee (IDs neither contiguous nor from 1)
    /// are equal exactly when the signer sets are, and the decided sets
    /// remember each once.
    #[test]
    fn signer_masks_tell_signer_sets_apart() {
        use super::{signer_mask, DecidedSets};
        let committee: Vec<u64> = (0..13).map(|i| 7 + i * i * 3).collect();
        let mut seen: std::collections::BTreeMap<u64, Vec<u64>> = Default::default();
        let mut decided = DecidedSets::default();
        for bits in 1u32..(1 << 13) {
            let signers: Vec<u64> = (0..13)
                .filter(|i| bits & (1 << i) != 0)
                .map(|i| committee[i])
                .collect();
            let mask = signer_mask(&committee, &signers);
            assert_eq!(seen.insert(mask, signers.clone()), None, "{signers:?}");
            if bits % 97 == 0 {
                assert!(!decided.contains(mask));
                decided.insert(mask);
                decided.insert(mask);
                assert!(decided.contains(mask));
            }
        }
        assert_eq!(
            decided.len(),
            (1..(1 << 13)).filter(|b| b % 97 == 0).count()
        );
        // An ID outside the committee adds nothing.
        assert_eq!(signer_mask(&committee, &[committee[2], 1]), 1 << 2);
    }

    #[test]
    fn slot_map_matches_a_btree_map() {
        use super::SlotMap;
        use std::collections::BTreeMap;
        let mut ours: SlotMap<u64> = SlotMap::default();
        let mut map: BTreeMap<u64, u64> = BTreeMap::new();
        // In order, out of order, repeated, then pruned from the front.
        for (n, key) in [5u64, 6, 9, 7, 6, 1, 12, 9, 40].into_iter().enumerate() {
            *ours.get_or_insert_with(key, || 0) += n as u64;
            *map.entry(key).or_insert(0) += n as u64;
            assert_eq!(ours.len(), map.len());
            assert_eq!(ours.last_key(), map.keys().next_back().copied());
        }
        assert_eq!(
            ours.values().copied().collect::<Vec<_>>(),
            map.values().copied().collect::<Vec<_>>()
        );
        ours.retain_keys(|k| k >= 7);
        map.retain(|k, _| *k >= 7);
        for k in 0..50 {
            assert_eq!(ours.get(k), map.get(&k), "key {k}");
        }
        assert!(!ours.is_empty());
    }

    #[test]
    fn epoch_slots_match_a_set_of_the_same_slots() {
        // Offsets inside the mask, at its edge, past it and before the epoch.
        let slots = [64u64, 65, 64, 95, 127, 128, 200, 3, 128];
        let mut ours = EpochSlots::new(64);
        let mut set = BTreeSet::new();
        for s in slots {
            ours.insert(s);
            set.insert(s);
            assert_eq!(ours.len(), set.len());
        }
        for s in 0..256 {
            assert_eq!(ours.contains(s), set.contains(&s), "slot {s}");
        }
    }
}
