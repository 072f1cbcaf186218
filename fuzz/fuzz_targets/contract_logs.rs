//! Arbitrary SSV contract logs into the registry machine: the first topic is
//! one of the events the node acts on (or anything), the rest is arbitrary.
//! Nothing may panic, a refused log leaves the registry unchanged, and the
//! registry's nonces only grow.
#![no_main]
use arbitrary::Arbitrary;
use libfuzzer_sys::fuzz_target;
use ssv_protocol::contract::{decode_log, event_topics, ContractState, Input, LogEntry, RegistryMachine};

#[derive(Arbitrary, Debug)]
struct FuzzLog {
    event: u8,
    indexed: Vec<[u8; 32]>,
    small_topics: Vec<u8>,
    data: Vec<u8>,
    same_block: bool,
}

fuzz_target!(|logs: Vec<FuzzLog>| {
    let mut machine = RegistryMachine::new(ContractState::default(), None, None);
    let mut block = 1u64;
    let mut index = 0u64;
    for log in logs.into_iter().take(64) {
        let topic0 = event_topics()
            .get(usize::from(log.event % 9))
            .copied()
            .unwrap_or([log.event; 32]);
        let mut topics = vec![topic0];
        topics.extend(log.indexed.iter().take(3));
        // Small indexed values (operator IDs, short addresses) reach the rules.
        for b in log.small_topics.iter().take(3) {
            let mut t = [0u8; 32];
            t[31] = *b;
            topics.push(t);
        }
        let _ = decode_log(&topics, &log.data);
        if log.same_block {
            index += 1;
        } else {
            block += 1;
            index = 0;
        }
        let before = machine.state().clone();
        let entry = LogEntry { block, log_index: index, topics, data: log.data };
        if machine.handle(Input::Log(entry)).is_err() {
            assert_eq!(machine.state(), &before);
        }
        while machine.poll_output().is_some() {}
        for (owner, record) in &machine.state().owners {
            if let Some(old) = before.owners.get(owner).and_then(|o| o.nonce) {
                // u16 wrap-around aside, a nonce never goes back.
                assert!(record.nonce.is_some_and(|n| n >= old || old == u16::MAX));
            }
        }
    }
});
