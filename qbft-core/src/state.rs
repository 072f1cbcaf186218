//! The state of one QBFT instance (ssv-spec `qbft.State`).

use std::sync::Arc;

use crate::container::MsgContainer;
use crate::context::Context;
use crate::message::SignedMessage;
use crate::types::{Height, Round, FIRST_ROUND, NO_ROUND};

/// Everything an instance knows. Public for inspection, snapshots and tests; the
/// instance alone changes it.
#[derive(Clone, Debug)]
pub struct State<C: Context> {
    /// The instance identifier.
    pub id: Vec<u8>,
    /// The current round.
    pub round: Round,
    /// The height.
    pub height: Height,
    /// The last round with a prepare quorum, or [`NO_ROUND`].
    pub last_prepared_round: Round,
    /// The value prepared in that round.
    pub last_prepared_value: Option<C::Value>,
    /// The proposal accepted in the current round.
    pub proposal_accepted_for_current_round: Option<Arc<SignedMessage<C>>>,
    /// Whether the instance decided.
    pub decided: bool,
    /// The decided value.
    pub decided_value: Option<C::Value>,
    /// Accepted proposals.
    pub propose_container: MsgContainer<C>,
    /// Accepted prepares.
    pub prepare_container: MsgContainer<C>,
    /// Accepted commits (and decided messages).
    pub commit_container: MsgContainer<C>,
    /// Accepted round changes.
    pub round_change_container: MsgContainer<C>,
}

impl<C: Context> State<C> {
    /// The state of a fresh instance at `height`.
    pub fn new(id: Vec<u8>, height: Height) -> Self {
        State {
            id,
            round: FIRST_ROUND,
            height,
            last_prepared_round: NO_ROUND,
            last_prepared_value: None,
            proposal_accepted_for_current_round: None,
            decided: false,
            decided_value: None,
            propose_container: MsgContainer::default(),
            prepare_container: MsgContainer::default(),
            commit_container: MsgContainer::default(),
            round_change_container: MsgContainer::default(),
        }
    }
}
