//! What a request says about its client: the address it comes from, and the credential in
//! its `Authorization` header.

use std::net::IpAddr;

use actix_web::{HttpRequest, http::header};

use crate::domain::credential::{AuthHeaderError, Presented, parse_authorization};
use crate::error::AppError;

/// The client address: the socket peer, or — only when the peer is a trusted proxy — the
/// nearest address in `X-Forwarded-For` that is not itself a trusted proxy.
pub fn client_ip(req: &HttpRequest, trusted: &[ipnet::IpNet]) -> String {
    let Some(peer) = req.peer_addr().map(|a| a.ip()) else {
        return "unknown".into();
    };
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer.to_string();
    }
    let forwarded: Vec<IpAddr> = req
        .headers()
        .get_all("x-forwarded-for")
        .filter_map(|v| v.to_str().ok())
        .flat_map(|v| v.split(','))
        .filter_map(|part| part.trim().parse().ok())
        .collect();
    forwarded
        .iter()
        .rev()
        .find(|ip| !is_trusted(ip))
        .or(forwarded.first())
        .unwrap_or(&peer)
        .to_string()
}

/// The credential in the `Authorization` header. Anything that cannot be a Keyward
/// credential (a wrong checksum included) is `InvalidCredentials`, before any database work;
/// a header that cannot be read at all is 400.
pub fn presented(req: &HttpRequest) -> Result<Presented, AppError> {
    let header = req
        .headers()
        .get(header::AUTHORIZATION)
        .map(|v| v.as_bytes());
    match parse_authorization(header) {
        Ok(Some(p)) => Ok(p),
        Ok(None) | Err(AuthHeaderError::Missing) => Err(AppError::InvalidCredentials),
        Err(AuthHeaderError::Malformed) => {
            Err(AppError::BadRequest("error.malformed_authorization"))
        }
    }
}
