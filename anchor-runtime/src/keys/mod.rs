//! Operator keys and key shares: `keygen` (a new RSA-2048 operator key in an
//! encrypted keystore), loading it back, and `keysplit` (a validator key split
//! into encrypted shares and the ValidatorAdded shares blob).

pub mod keystore;
mod operator;
mod split;

pub use operator::{
    generate_operator_key, load_operator_key, write_keystore, OperatorKeyError, KEYSTORE_FILE,
};
pub use split::{encrypt_share, split_validator, KeySplit, SplitError};
