//! Webhook signing secrets and signatures, as the Standard Webhooks specification has them.
//!
//! An endpoint's secret is `whsec_` and the base64 of 32 bytes. Keyward must be able to use
//! it for every delivery, so it cannot be stored as a one-way hash; it is not stored at all:
//! it is derived (HMAC-SHA256) from the server's secret key and a random salt kept on the
//! endpoint's row, so the database alone does not give it away. A new salt is a new secret.
//!
//! A delivery is signed over `{webhook-id}.{webhook-timestamp}.{body}` with HMAC-SHA256
//! under the secret's bytes; the `webhook-signature` header is `v1,` and the base64 of it.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac};
use sha2::Sha256;

use crate::domain::credential::random_alphanumeric;

type HmacSha256 = Hmac<Sha256>;

const PREFIX: &str = "whsec_";

/// Derives endpoints' secrets from the server's secret key.
#[derive(Clone)]
pub struct WebhookKeys {
    key: Vec<u8>,
}

impl WebhookKeys {
    pub fn new(secret_material: &[u8]) -> WebhookKeys {
        WebhookKeys {
            key: mac(secret_material, &[b"keyward webhook secrets v1"]),
        }
    }

    /// A new random salt for an endpoint's row.
    pub fn new_salt() -> Result<String, rand::rngs::SysError> {
        random_alphanumeric(32)
    }

    /// The secret of the endpoint whose row holds `salt`.
    pub fn secret(&self, salt: &str) -> String {
        format!(
            "{PREFIX}{}",
            STANDARD.encode(mac(&self.key, &[salt.as_bytes()]))
        )
    }
}

fn mac(key: &[u8], parts: &[&[u8]]) -> Vec<u8> {
    let mut m = HmacSha256::new_from_slice(key).expect("HMAC takes any key length");
    for p in parts {
        m.update(p);
    }
    m.finalize().into_bytes().to_vec()
}

/// The `webhook-signature` header of a delivery: `v1,` and the base64 signature.
pub fn signature(secret: &str, message_id: &str, timestamp: i64, body: &str) -> String {
    let key = secret
        .strip_prefix(PREFIX)
        .and_then(|b| STANDARD.decode(b).ok())
        .unwrap_or_default();
    let signed = mac(
        &key,
        &[
            message_id.as_bytes(),
            b".",
            timestamp.to_string().as_bytes(),
            b".",
            body.as_bytes(),
        ],
    );
    format!("v1,{}", STANDARD.encode(signed))
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The example of the Standard Webhooks specification's reference libraries.
    #[test]
    fn signs_as_the_specification_does() {
        let secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw";
        let body = r#"{"test": 2432232314}"#;
        assert_eq!(
            signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body),
            "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
        );
    }

    #[test]
    fn secrets_are_derived_per_salt_and_per_server_key() {
        let keys = WebhookKeys::new(b"server key one");
        let salt = WebhookKeys::new_salt().expect("random");
        assert_eq!(keys.secret(&salt), keys.secret(&salt));
        assert!(keys.secret(&salt).starts_with("whsec_"));
        assert_ne!(keys.secret(&salt), keys.secret("another salt"));
        assert_ne!(
            keys.secret(&salt),
            WebhookKeys::new(b"server key two").secret(&salt)
        );
    }
}
