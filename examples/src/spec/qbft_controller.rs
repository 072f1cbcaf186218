//! `tests.ControllerSpecTest`: a 4-operator controller fed instance starts and
//! messages, checked after each instance against the spec's controller state.

use std::path::Path;
use std::sync::Arc;

use qbft_core::{Controller, ControllerConfig, ControllerInput, ControllerOutput, Timestamp};
use serde_json::Value;
use ssv_protocol::consensus::{to_wire, SsvQbft};
use ssv_protocol::wire::SignedSsvMessage;

use super::codes::{check, qbft_code, Outcome};
use super::harness::{context, decode, instance_config, sign, testing_identifier, verify_wire};
use super::json::{b64, b64_opt, field, list, signed_ssv_message, uint, Shape};
use super::keys::{key_set, KeySet};
use super::qbft_instance::read_json;
use super::state::{compare_state, parse_state};
use super::Verdict;

const NOW: Timestamp = Timestamp(0);

struct Run {
    keys: Arc<KeySet>,
    controller: Controller<SsvQbft>,
    broadcast: Vec<SignedSsvMessage>,
    timeouts: u64,
    timer_round: u64,
    decided: Vec<Arc<[u8]>>,
}

impl Run {
    fn drain(&mut self) -> Result<(), Shape> {
        while let Some(out) = self.controller.poll_output() {
            match out {
                ControllerOutput::Broadcast { message, .. } => {
                    self.broadcast.push(sign(&self.keys, &message)?)
                }
                ControllerOutput::BroadcastDecided(m) => self.broadcast.push(to_wire(&m)),
                ControllerOutput::RoundTimerSet { round, .. } => {
                    self.timeouts += 1;
                    self.timer_round = round;
                }
                ControllerOutput::Decided { value, .. } => self.decided.push(value),
            }
        }
        Ok(())
    }
}

/// `tests.ControllerSpecTest`.
pub fn controller(test: &Value, file: &Path, state_file: &Path) -> Result<Verdict, Shape> {
    let keys = key_set(test, file)?;
    let config = ControllerConfig {
        instance: instance_config(&[1, 2, 3, 4])?,
        identifier: testing_identifier(),
        max_instances: usize::MAX,
        pending_limit: 0,
    };
    let mut run = Run {
        controller: Controller::new(context(&keys, 1), config),
        keys,
        broadcast: Vec::new(),
        timeouts: 0,
        timer_round: 0,
        decided: Vec::new(),
    };
    if let Some(h) = test.get("StartHeight").filter(|h| !h.is_null()) {
        run.controller.set_height(uint(h)?);
    }
    let expected_states = read_json(state_file)?;
    let expected_states = list(&expected_states)?;
    let mut last: Outcome = None;
    for (i, data) in list(field(test, "RunInstanceData")?)?.iter().enumerate() {
        let height = match data.get("Height").filter(|h| !h.is_null()) {
            Some(h) => uint(h)?,
            None => i as u64,
        };
        let value: Arc<[u8]> = Arc::from(b64(field(data, "InputValue")?)?);
        if let Err(e) = run
            .controller
            .handle(NOW, ControllerInput::Start { height, value })
        {
            last = Some(qbft_code(&e));
        }
        run.drain()?;
        if let Err(e) = check_timer(&run, field(data, "ExpectedTimerState")?) {
            return Ok(Verdict::Fail(format!("instance {i}: {e}")));
        }
        run.decided.clear();
        for msg in list(field(data, "InputMessages")?)? {
            let wire = signed_ssv_message(msg)?;
            match decode(&wire) {
                Err(outcome) => last = outcome,
                Ok(m) => {
                    if let Err(e) = run.controller.handle(NOW, ControllerInput::Message(m)) {
                        last = Some(qbft_code(&e));
                    }
                }
            }
            run.drain()?;
        }
        let expected_state = expected_states.get(i).ok_or("state file too short")?;
        if let Err(e) = check_instance(&run, data, expected_state) {
            return Ok(Verdict::Fail(format!("instance {i}: {e}")));
        }
    }
    Ok(
        match check(uint(field(test, "ExpectedErrorCode")?)?, last) {
            Ok(()) => Verdict::Pass,
            Err(e) => Verdict::Fail(e),
        },
    )
}

fn check_timer(run: &Run, expected: &Value) -> Result<(), String> {
    if expected.is_null() {
        return Ok(());
    }
    let (t, r) = (
        uint(field(expected, "Timeouts")?)?,
        uint(field(expected, "Round")?)?,
    );
    if (t, r) != (run.timeouts, run.timer_round) {
        return Err(format!(
            "timer: {} timeouts, round {}; expected {t}, round {r}",
            run.timeouts, run.timer_round
        ));
    }
    Ok(())
}

fn check_instance(run: &Run, data: &Value, expected: &Value) -> Result<(), String> {
    let decided = field(data, "ExpectedDecidedState")?;
    let count = uint(field(decided, "DecidedCnt")?)?;
    if run.decided.len() as u64 != count {
        return Err(format!("{} decisions, expected {count}", run.decided.len()));
    }
    let want_value = b64(field(decided, "DecidedVal")?)?;
    if let Some(v) = run.decided.iter().find(|v| ***v != *want_value) {
        return Err(format!(
            "decided {} != expected {}",
            hex::encode(v),
            hex::encode(&want_value)
        ));
    }
    let want_broadcast = field(decided, "BroadcastedDecided")?;
    if !want_broadcast.is_null() {
        let want = signed_ssv_message(want_broadcast)?;
        for m in &run.broadcast {
            verify_wire(&run.keys, m)?;
        }
        let id = testing_identifier();
        let found = run
            .broadcast
            .iter()
            .filter(|m| m.ssv_message.msg_id.as_bytes()[..] == id[..])
            .filter(|m| {
                m.tree_hash_root() == want.tree_hash_root()
                    && m.operator_ids == want.operator_ids
                    && m.signatures == want.signatures
            })
            .count();
        if found != 1 {
            return Err(format!(
                "decided message broadcast {found} times, expected once"
            ));
        }
    }
    compare_controller(run, expected)
}

fn compare_controller(run: &Run, expected: &Value) -> Result<(), String> {
    let height = uint(field(expected, "Height")?)?;
    if run.controller.height() != height {
        return Err(format!(
            "controller height {}, expected {height}",
            run.controller.height()
        ));
    }
    let want = list(field(expected, "StoredInstances")?)?;
    let ours = run.controller.instances();
    if ours.len() != want.len() {
        return Err(format!(
            "{} stored instances, expected {}",
            ours.len(),
            want.len()
        ));
    }
    for (inst, w) in ours.iter().zip(want) {
        compare_state(inst.state(), &parse_state(field(w, "State")?)?)?;
        let start = b64_opt(w.get("StartValue").unwrap_or(&Value::Null))?.unwrap_or_default();
        if inst.start_value().map(|v| v.to_vec()).unwrap_or_default() != start {
            return Err(format!(
                "instance at height {}: start value differs",
                inst.height()
            ));
        }
    }
    Ok(())
}
