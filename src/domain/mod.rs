//! Rules without I/O: credential format, staged drafts, input validation.

pub mod credential;
pub mod draft;
pub mod permissions;
pub mod validation;
