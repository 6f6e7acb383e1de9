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
    mint_secret_for(hasher, credential::generate_public_id()?)
}

/// A fresh secret for an existing credential (rolling it): its public id stays.
pub fn mint_secret_for(hasher: &SecretHasher, public_id: String) -> Result<Minted, AppError> {
    let secret = credential::generate_secret()?;
    let secret_hash = hasher.hash(secret.expose());
    Ok(Minted {
        public_id,
        secret,
        secret_hash,
    })
}
