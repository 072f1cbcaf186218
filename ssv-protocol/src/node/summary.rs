//! A read-only, deterministic summary of a node's state: its machines, their
//! recent runners (duty slot, QBFT height and round, decided, finished), the
//! requests in flight and the next deadline. Replay prints it where a person
//! stops (`--until`, `--step`).

use std::fmt::Write as _;

use super::Node;
use crate::runner::RunnerView;
use crate::wire::Role;

impl Node {
    /// The state summary, with committee runners of slots `min_slot` and later.
    pub fn summary(&self, min_slot: u64) -> String {
        let mut s = String::new();
        let _ = writeln!(
            s,
            "registry: {} operators, {} validators; machines: {} committees, {} validators",
            self.registry.operators.len(),
            self.registry.validators.len(),
            self.committees.len(),
            self.validators.len()
        );
        let _ = writeln!(
            s,
            "requests in flight: {}, held: {}, next request id: {}, next deadline: {}",
            self.pending.len(),
            self.held.len(),
            self.next_id,
            self.poll_timeout()
                .map_or_else(|| "none".to_string(), |t| format!("{} ms", t.0))
        );
        let _ = writeln!(
            s,
            "validation state entries: {}",
            self.validator.state_len()
        );
        for (id, m) in &self.committees {
            let hex: String = id.iter().take(4).map(|b| format!("{b:02x}")).collect();
            let _ = writeln!(s, "committee 0x{hex}…: {} shares", m.shares().len());
            for role in [Role::Committee, Role::AggregatorCommittee] {
                for slot in m.runner_slots(role) {
                    if slot < min_slot {
                        continue;
                    }
                    if let Some(view) = m.runner(role, slot) {
                        let _ = writeln!(s, "  {role:?} slot {slot}: {}", runner_line(&view));
                    }
                }
            }
        }
        for (index, m) in &self.validators {
            for role in [
                Role::Proposer,
                Role::ValidatorRegistration,
                Role::VoluntaryExit,
            ] {
                if let Some(view) = m.runner(role) {
                    if view.duty_state().is_some() {
                        let _ = writeln!(s, "validator {index} {role:?}: {}", runner_line(&view));
                    }
                }
            }
        }
        s
    }
}

impl Node {
    /// How many entries each of the node's growing collections holds, by name,
    /// in a fixed order: for finding what grows when memory does (bench-node
    /// prints it next to RSS). Every one should level off once the oldest slot
    /// kept is pruned.
    pub fn census(&self) -> Vec<(&'static str, usize)> {
        let (runners, committee_requests) = self
            .committees
            .values()
            .map(|m| m.census())
            .fold((0, 0), |(a, b), (x, y)| (a + x, b + y));
        let validator_requests: usize =
            self.validators.values().map(|m| m.pending_requests()).sum();
        let (slot_states, duty_slots) = self.validator.slot_state_len();
        let (slot_room, committee_signers) = self.validator.slot_capacity();
        let mut out = vec![
            ("requests in flight", self.pending.len()),
            ("requests held", self.held.len()),
            ("early messages", self.early.values().map(Vec::len).sum()),
            ("deadlines", self.deadlines.len()),
            ("validation signer states", self.validator.state_len()),
            ("validation committee signer states", committee_signers),
            ("validation slot states", slot_states),
            ("validation slot room", slot_room),
            ("validation duty slots", duty_slots),
            ("committee runners", runners),
            ("committee machine requests", committee_requests),
            ("validator machine requests", validator_requests),
            (
                "validator runners built",
                self.validators.values().map(|m| m.built_runners()).sum(),
            ),
        ];
        out.extend(self.scheduler.census());
        out
    }
}

fn runner_line(view: &RunnerView<'_>) -> String {
    let Some(d) = view.duty_state() else {
        return "no duty".into();
    };
    let mut line = format!("duty slot {}", d.duty().slot());
    match (d.instance_height(), d.running_instance()) {
        (Some(h), Some(i)) => {
            let st = i.state();
            let _ = write!(
                line,
                ", QBFT height {h} round {} {}",
                st.round,
                if st.decided { "decided" } else { "undecided" }
            );
        }
        (Some(h), None) => {
            let _ = write!(line, ", QBFT height {h} (instance dropped)");
        }
        _ => line.push_str(", no QBFT instance"),
    }
    let _ = write!(
        line,
        ", decided value: {}, finished: {}",
        d.decided_value().is_some(),
        d.finished()
    );
    line
}
