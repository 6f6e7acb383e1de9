//! Making a new credential: public id, secret, and the secret's argon2id hash.

use crate::auth::password;
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

/// Hashes on the blocking pool, never on an async worker.
pub async fn mint(state: &crate::web::AppState) -> Result<Minted, AppError> {
    let public_id = credential::generate_public_id()?;
    let secret = credential::generate_secret()?;
    let to_hash = secret.clone();
    let secret_hash = state
        .argon2(move || password::hash(to_hash.expose()))
        .await??;
    Ok(Minted {
        public_id,
        secret,
        secret_hash,
    })
}
