//! `MessageID`: domain, role and duty executor (ssv-spec `types/messages.go`).

/// The 4-byte network domain (ssv-spec `DomainType`).
pub type DomainType = [u8; 4];

/// The duty roles (ssv-spec `RunnerRole`).
#[derive(Copy, Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Role {
    /// Attestations and sync-committee messages of a committee.
    Committee,
    /// Aggregation.
    Aggregator,
    /// Block proposal.
    Proposer,
    /// Sync-committee contribution.
    SyncCommitteeContribution,
    /// Validator registration.
    ValidatorRegistration,
    /// Voluntary exit.
    VoluntaryExit,
    /// Aggregation and sync-committee contributions of a committee (the "Boole"
    /// fork's role, number 6).
    AggregatorCommittee,
    /// Any other role number.
    Unknown(u32),
}

impl Role {
    /// Whether a committee (not one validator) runs it: its message IDs carry
    /// the committee ID.
    pub fn is_committee_role(self) -> bool {
        matches!(self, Role::Committee | Role::AggregatorCommittee)
    }

    /// The wire number.
    pub fn to_u32(self) -> u32 {
        match self {
            Role::Committee => 0,
            Role::Aggregator => 1,
            Role::Proposer => 2,
            Role::SyncCommitteeContribution => 3,
            Role::ValidatorRegistration => 4,
            Role::VoluntaryExit => 5,
            Role::AggregatorCommittee => 6,
            Role::Unknown(n) => n,
        }
    }

    /// From the wire number.
    pub fn from_u32(n: u32) -> Self {
        match n {
            0 => Role::Committee,
            1 => Role::Aggregator,
            2 => Role::Proposer,
            3 => Role::SyncCommitteeContribution,
            4 => Role::ValidatorRegistration,
            5 => Role::VoluntaryExit,
            6 => Role::AggregatorCommittee,
            n => Role::Unknown(n),
        }
    }
}

/// A 56-byte message ID: bytes 0-3 the domain, 4-7 the role (little endian),
/// 8-55 the duty executor (a validator public key, or 16 zero bytes and a
/// committee ID).
#[derive(Copy, Clone, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct MessageId(pub [u8; 56]);

impl std::fmt::Debug for MessageId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        for b in self.0 {
            write!(f, "{b:02x}")?;
        }
        Ok(())
    }
}

impl MessageId {
    /// The raw bytes.
    pub fn as_bytes(&self) -> &[u8; 56] {
        &self.0
    }

    /// An ID from any byte string: copied in, truncated or zero-padded to 56 bytes
    /// (what ssv-spec does with a QBFT identifier).
    pub fn from_slice(bytes: &[u8]) -> Self {
        let mut id = [0u8; 56];
        let n = bytes.len().min(56);
        id[..n].copy_from_slice(&bytes[..n]);
        MessageId(id)
    }

    /// A validator duty's ID.
    pub fn for_validator(domain: DomainType, role: Role, validator_pubkey: &[u8; 48]) -> Self {
        let mut id = [0u8; 56];
        id[..4].copy_from_slice(&domain);
        id[4..8].copy_from_slice(&role.to_u32().to_le_bytes());
        id[8..].copy_from_slice(validator_pubkey);
        MessageId(id)
    }

    /// A committee duty's ID: the committee ID right-aligned in the executor field.
    pub fn for_committee(domain: DomainType, role: Role, committee_id: &[u8; 32]) -> Self {
        let mut id = [0u8; 56];
        id[..4].copy_from_slice(&domain);
        id[4..8].copy_from_slice(&role.to_u32().to_le_bytes());
        id[24..].copy_from_slice(committee_id);
        MessageId(id)
    }

    /// The domain.
    pub fn domain(&self) -> DomainType {
        let mut d = [0u8; 4];
        d.copy_from_slice(&self.0[..4]);
        d
    }

    /// The role.
    pub fn role(&self) -> Role {
        let mut r = [0u8; 4];
        r.copy_from_slice(&self.0[4..8]);
        Role::from_u32(u32::from_le_bytes(r))
    }

    /// The 48-byte duty executor.
    pub fn duty_executor(&self) -> &[u8] {
        &self.0[8..]
    }
}
