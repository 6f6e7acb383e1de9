//! Making a new credential: public id, secret, and the secret's keyed hash.

use crate::auth::secret_hash::SecretHasher;
use crate::domain::credential::{self, Secret};
use crate::error::AppError;

pub struct Minted {
    pub public_id: String,
    /// Shown once, then dropped: only `secret_hash` is stored.
    pub secret: Secret,
    pub secret_hash: String,
}

impl Minted {
    pub fn token(&self) -> Secret {
        credential::token(&self.public_id, &self.secret)
    }
}

/// A fresh public id and secret from the operating system's CSPRNG. One HMAC: cheap enough
/// for any thread.
pub fn mint(hasher: &SecretHasher) -> Result<Minted, AppError> {
    let public_id = credential::generate_public_id()?;
    let secret = credential::generate_secret()?;
    let secret_hash = hasher.hash(secret.expose());
    Ok(Minted {
        public_id,
        secret,
        secret_hash,
    })
}
