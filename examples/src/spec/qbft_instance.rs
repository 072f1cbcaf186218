//! `tests.MsgProcessingSpecTest` and `timeout.SpecTest`: one instance, restored
//! from a pre-state, fed messages or one round timeout.

use std::path::Path;
use std::sync::Arc;

use qbft_core::{Instance, InstanceInput, InstanceOutput, Timestamp};
use serde_json::Value;
use ssv_protocol::consensus::SsvQbft;
use ssv_protocol::wire::SignedSsvMessage;

use super::codes::{check, qbft_code, Outcome};
use super::harness::{compare_outputs, context, decode, instance_config, sign};
use super::json::{b64_opt, field, list, signed_ssv_message, uint, Shape};
use super::keys::{key_set, KeySet};
use super::state::{committee_ids, compare_state, parse_state};
use super::Verdict;

const NOW: Timestamp = Timestamp(0);

/// The spec gives the instance at this height a proposer of 2 instead of 1.
const CHANGE_PROPOSER_HEIGHT: u64 = 10;

struct Run {
    keys: Arc<KeySet>,
    instance: Instance<SsvQbft>,
    broadcast: Vec<SignedSsvMessage>,
    timeouts: u64,
    timer_round: u64,
}

fn restore(test: &Value, file: &Path) -> Result<Run, Shape> {
    let keys = key_set(test, file)?;
    let pre = field(test, "Pre")?;
    let state_json = field(pre, "State")?;
    let state = parse_state(state_json)?;
    let committee = committee_ids(field(state_json, "CommitteeMember")?)?;
    let proposer = if state.height == CHANGE_PROPOSER_HEIGHT {
        2
    } else {
        1
    };
    let start_value = b64_opt(pre.get("StartValue").unwrap_or(&Value::Null))?.map(Arc::from);
    let stopped = pre
        .get("forceStop")
        .and_then(Value::as_bool)
        .unwrap_or(false);
    let instance = Instance::restore(
        context(&keys, proposer),
        instance_config(&committee)?,
        state,
        start_value,
        stopped,
    );
    Ok(Run {
        keys,
        instance,
        broadcast: Vec::new(),
        timeouts: 0,
        timer_round: 0,
    })
}

impl Run {
    fn drain(&mut self) -> Result<(), Shape> {
        while let Some(out) = self.instance.poll_output() {
            match out {
                InstanceOutput::Broadcast(m) => self.broadcast.push(sign(&self.keys, &m)?),
                InstanceOutput::RoundTimerSet { round, .. } => {
                    self.timeouts += 1;
                    self.timer_round = round;
                }
                InstanceOutput::Decided { .. } => {}
            }
        }
        Ok(())
    }

    fn check_timer(&self, expected: &Value) -> Result<(), String> {
        if expected.is_null() {
            return Ok(());
        }
        let (t, r) = (
            uint(field(expected, "Timeouts")?)?,
            uint(field(expected, "Round")?)?,
        );
        if (t, r) != (self.timeouts, self.timer_round) {
            return Err(format!(
                "timer: {} timeouts, round {}; expected {t}, round {r}",
                self.timeouts, self.timer_round
            ));
        }
        Ok(())
    }
}

fn expected_outputs(test: &Value) -> Result<Vec<SignedSsvMessage>, Shape> {
    list(field(test, "OutputMessages")?)?
        .iter()
        .map(signed_ssv_message)
        .collect()
}

/// `tests.MsgProcessingSpecTest`.
pub fn msg_processing(test: &Value, file: &Path, state_file: &Path) -> Result<Verdict, Shape> {
    let mut run = restore(test, file)?;
    let mut last: Outcome = None;
    for msg in list(field(test, "InputMessages")?)? {
        let wire = signed_ssv_message(msg)?;
        match decode(&wire) {
            Err(outcome) => last = outcome,
            Ok(m) => {
                if let Err(e) = run.instance.handle(NOW, InstanceInput::Message(m)) {
                    last = Some(qbft_code(&e));
                }
            }
        }
        run.drain()?;
    }
    let verdict = (|| {
        check(uint(field(test, "ExpectedErrorCode")?)?, last)?;
        run.check_timer(field(test, "ExpectedTimerState")?)?;
        compare_outputs(&run.keys, &expected_outputs(test)?, &run.broadcast)?;
        let expected: Value = read_json(state_file)?;
        compare_state(run.instance.state(), &parse_state(&expected)?)
    })();
    Ok(verdict.map_or_else(Verdict::Fail, |()| Verdict::Pass))
}

/// `timeout.SpecTest`: one round timeout on the pre-state.
pub fn timeout(test: &Value, file: &Path) -> Result<Verdict, Shape> {
    let mut run = restore(test, file)?;
    let mut expected_state = run.instance.state().clone();
    run.instance.arm_timer(NOW);
    let at = run.instance.poll_timeout().unwrap_or(NOW);
    let outcome = run
        .instance
        .handle(at, InstanceInput::Tick)
        .err()
        .map(|e| qbft_code(&e));
    run.drain()?;
    if outcome.is_none() {
        expected_state.round += 1;
        expected_state.proposal_accepted_for_current_round = None;
    }
    let verdict = (|| {
        check(uint(field(test, "ExpectedErrorCode")?)?, outcome)?;
        run.check_timer(field(test, "ExpectedTimerState")?)?;
        compare_outputs(&run.keys, &expected_outputs(test)?, &run.broadcast)?;
        compare_state(run.instance.state(), &expected_state)
    })();
    Ok(verdict.map_or_else(Verdict::Fail, |()| Verdict::Pass))
}

/// Reads a JSON file.
pub fn read_json(path: &Path) -> Result<Value, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("{}: {e}", path.display()))?;
    serde_json::from_str(&text).map_err(|e| format!("{}: {e}", path.display()))
}
