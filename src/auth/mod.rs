//! Passwords, sessions, API credential verification, limits on failures, usage recording.

pub mod batch;
pub mod failures;
pub mod hash_pool;
pub mod imported_hash;
pub mod key_sources;
pub mod key_usage;
pub mod mint;
pub mod password;
pub mod rate_limit;
pub mod secret_hash;
pub mod session_store;
pub mod signin;
pub mod throttle;
pub mod usage;
pub mod verify;
pub mod webhook_secret;
