//! Passwords, sessions and API credential verification.

pub mod password;
pub mod session_store;
pub mod verify;
