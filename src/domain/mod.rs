//! Rules without I/O: who may do what (authority), credential format, staged drafts, input
//! validation.

pub mod authority;
pub mod credential;
pub mod draft;
pub mod journal;
pub mod notices;
pub mod permissions;
pub mod rate;
pub mod scopes;
pub mod validation;
pub mod webhook;
