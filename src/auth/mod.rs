//! Passwords, sessions, API credential verification, throttling and usage recording.

pub mod failures;
pub mod hash_pool;
pub mod lookup;
pub mod mint;
pub mod password;
pub mod session_store;
pub mod throttle;
pub mod usage;
pub mod verify;
