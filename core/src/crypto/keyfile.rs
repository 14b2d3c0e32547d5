//! Key files for people and nodes: a small JSON document holding one key pair.
//!
//! ```json
//! {"name": "finance-director", "algorithm": "ed25519",
//!  "public_key": "ed25519:…", "secret_key": "<64 hex digits>"}
//! ```
//! The secret never appears in `Debug` output or error messages. Loading checks that the
//! public key matches the secret, so a hand-edited or corrupted file is caught at once.

use std::fmt;

use serde::{Deserialize, Serialize};

use super::{Algorithm, CryptoError, Keypair, PublicKey};

/// The on-disk form of a key pair.
#[derive(Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KeyFile {
    /// Who or what this key is for (a member's or validator's name); informational.
    pub name: String,
    pub algorithm: Algorithm,
    pub public_key: PublicKey,
    /// Hex of the 32 secret bytes.
    secret_key: String,
}

impl fmt::Debug for KeyFile {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyFile")
            .field("name", &self.name)
            .field("algorithm", &self.algorithm)
            .field("public_key", &self.public_key)
            .field("secret_key", &"<redacted>")
            .finish()
    }
}

/// Why a key file could not be used.
#[derive(Debug, thiserror::Error)]
pub enum KeyFileError {
    #[error("key file is not valid JSON of the expected shape: {0}")]
    Json(#[from] serde_json::Error),
    #[error("key file's secret key is not 64 hex digits")]
    SecretNotHex,
    #[error("key file's secret key is unusable: {0}")]
    Secret(CryptoError),
    #[error("key file's public key {stated} does not match its secret key (which gives {actual})")]
    PublicKeyMismatch {
        stated: PublicKey,
        actual: PublicKey,
    },
    #[error("key file says algorithm {stated} but its public key is {actual}")]
    AlgorithmMismatch {
        stated: Algorithm,
        actual: Algorithm,
    },
}

impl KeyFile {
    pub fn from_keypair(name: impl Into<String>, keypair: &Keypair) -> KeyFile {
        KeyFile {
            name: name.into(),
            algorithm: keypair.algorithm(),
            public_key: keypair.public_key(),
            secret_key: hex::encode(keypair.secret_bytes().as_ref()),
        }
    }

    /// The key pair, after checking the file is consistent.
    pub fn keypair(&self) -> Result<Keypair, KeyFileError> {
        if self.public_key.algorithm() != self.algorithm {
            return Err(KeyFileError::AlgorithmMismatch {
                stated: self.algorithm,
                actual: self.public_key.algorithm(),
            });
        }
        let secret = zeroize::Zeroizing::new(
            hex::decode(&self.secret_key).map_err(|_| KeyFileError::SecretNotHex)?,
        );
        let keypair =
            Keypair::from_secret_bytes(self.algorithm, &secret).map_err(KeyFileError::Secret)?;
        let actual = keypair.public_key();
        if actual != self.public_key {
            return Err(KeyFileError::PublicKeyMismatch {
                stated: self.public_key,
                actual,
            });
        }
        Ok(keypair)
    }

    pub fn to_json(&self) -> String {
        serde_json::to_string_pretty(self).expect("a key file always serializes")
    }

    pub fn from_json(text: &str) -> Result<KeyFile, KeyFileError> {
        let file: KeyFile = serde_json::from_str(text)?;
        file.keypair()?;
        Ok(file)
    }
}

impl Drop for KeyFile {
    fn drop(&mut self) {
        zeroize::Zeroize::zeroize(&mut self.secret_key);
    }
}
