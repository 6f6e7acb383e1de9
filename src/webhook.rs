//! Sends the queued webhook deliveries (`db::webhooks`), signed as the Standard Webhooks
//! specification has it (`auth::webhook_secret`), from a background thread of its own.
//!
//! A delivery is taken with a lease (so two processes do not send it at once), POSTed with a
//! 10-second timeout and no redirects followed; a 2xx answer delivers it. Anything else is
//! retried on `domain::webhook::RETRY_AFTER_SECONDS`, with the same `webhook-id` each time.
//! An endpoint whose every attempt failed for `DISABLE_AFTER_HOURS` is turned off and those
//! who manage settings are mailed (`changes::webhooks::disable_failing`).
//!
//! Unless `KEYWARD_WEBHOOK_PRIVATE_ADDRESSES` is on, no delivery goes to a loopback, private,
//! link-local or otherwise non-public address — checked on the addresses the name resolves
//! to when it is sent (so a name that later points inside is refused too).

use std::net::{SocketAddr, ToSocketAddrs};
use std::time::{Duration, Instant};

use chrono::NaiveDateTime;

use crate::auth::webhook_secret::{WebhookKeys, signature};
use crate::db::webhooks::{self as hooks, Attempt, Delivery, Endpoint};
use crate::db::{self, Pool};
use crate::domain::webhook::{DISABLE_AFTER_HOURS, RETRY_AFTER_SECONDS, literal_address, public};
use crate::error::AppError;

/// How long a worker holds a delivery it is sending.
const LEASE_SECONDS: i64 = 60;
const TIMEOUT: Duration = Duration::from_secs(10);
/// Deliveries taken per round.
const BATCH: i64 = 20;

pub struct Sender {
    client: reqwest::blocking::Client,
    keys: WebhookKeys,
    private_allowed: bool,
}

impl Sender {
    pub fn new(keys: WebhookKeys, private_allowed: bool) -> Result<Sender, String> {
        let client = reqwest::blocking::Client::builder()
            .timeout(TIMEOUT)
            .redirect(reqwest::redirect::Policy::none())
            // Not through HTTP(S)_PROXY: a proxy would resolve the endpoint's name itself,
            // past the check of public addresses below.
            .no_proxy()
            .user_agent(concat!("Keyward-Webhooks/", env!("CARGO_PKG_VERSION")))
            .dns_resolver(std::sync::Arc::new(PublicOnly { private_allowed }))
            .build()
            .map_err(|e| format!("webhook client: {e}"))?;
        Ok(Sender {
            client,
            keys,
            private_allowed,
        })
    }

    /// One attempt: `Ok(status)` for a 2xx answer, else `Err((status, error))`.
    fn post(
        &self,
        endpoint: &Endpoint,
        delivery: &Delivery,
        now: NaiveDateTime,
    ) -> Result<u16, (Option<u16>, String)> {
        if !self.private_allowed && literal_address(&endpoint.url).is_some_and(|ip| !public(ip)) {
            return Err((None, NOT_PUBLIC.into()));
        }
        let timestamp = now.and_utc().timestamp();
        let secret = self.keys.secret(&endpoint.secret_salt);
        let signed = signature(&secret, &delivery.message_id, timestamp, &delivery.payload);
        let sent = self
            .client
            .post(&endpoint.url)
            .header("content-type", "application/json")
            .header("webhook-id", &delivery.message_id)
            .header("webhook-timestamp", timestamp.to_string())
            .header("webhook-signature", signed)
            .body(delivery.payload.clone())
            .send();
        match sent {
            Ok(res) if res.status().is_success() => Ok(res.status().as_u16()),
            Ok(res) => Err((
                Some(res.status().as_u16()),
                format!("answered {}", res.status()),
            )),
            Err(e) => Err((None, describe(&e))),
        }
    }
}

const NOT_PUBLIC: &str = "the address is not public (KEYWARD_WEBHOOK_PRIVATE_ADDRESSES is off)";

/// The error of a failed request, with its causes (reqwest's own message is only the top).
fn describe(e: &reqwest::Error) -> String {
    let mut text = if e.is_timeout() {
        "timed out".to_owned()
    } else if e.is_connect() {
        "could not connect".to_owned()
    } else {
        e.to_string()
    };
    let mut source = std::error::Error::source(e);
    while let Some(cause) = source {
        let said = cause.to_string();
        if !text.contains(&said) {
            text.push_str(": ");
            text.push_str(&said);
        }
        source = cause.source();
    }
    text.chars().take(500).collect()
}

/// Resolves names as the system does, keeping only public addresses (unless allowed).
struct PublicOnly {
    private_allowed: bool,
}

impl reqwest::dns::Resolve for PublicOnly {
    fn resolve(&self, name: reqwest::dns::Name) -> reqwest::dns::Resolving {
        let (host, private_allowed) = (name.as_str().to_owned(), self.private_allowed);
        Box::pin(async move {
            // The system's lookup blocks: off the client's runtime, so its timeout still holds.
            let found: Vec<SocketAddr> =
                tokio::task::spawn_blocking(move || (host.as_str(), 0).to_socket_addrs())
                    .await??
                    .collect();
            let kept: Vec<SocketAddr> = found
                .into_iter()
                .filter(|a| private_allowed || public(a.ip()))
                .collect();
            if kept.is_empty() {
                return Err(NOT_PUBLIC.into());
            }
            Ok(Box::new(kept.into_iter()) as reqwest::dns::Addrs)
        })
    }
}

/// A round sends for at most this long; what is left waits for the next (so one slow
/// endpoint holds the others up by one round at most).
const ROUND: Duration = Duration::from_secs(30);

/// Sends what is due. Returns how many were delivered.
pub fn send_due(
    sender: &Sender,
    pool: &Pool,
    clock: &crate::clock::Clock,
) -> Result<usize, AppError> {
    let round = Instant::now();
    let due = db::with_conn(pool, |c| {
        Ok::<_, AppError>(hooks::due(c, clock.now(), BATCH)?)
    })?;
    let mut delivered = 0;
    for (delivery, endpoint) in due {
        if round.elapsed() > ROUND {
            break;
        }
        // Each delivery's own time: its lease and its signed timestamp are of when it goes.
        let now = clock.now();
        let Some(seen) = delivery.next_attempt_at else {
            continue;
        };
        let until = now + chrono::Duration::seconds(LEASE_SECONDS);
        let leased = db::with_conn(pool, |c| {
            Ok::<_, AppError>(hooks::lease(c, delivery.id, seen, until)?)
        })?;
        if !leased {
            continue;
        }
        let started = Instant::now();
        let outcome = sender.post(&endpoint, &delivery, now);
        // When it ended: what is recorded, and what the retry counts from.
        let now = clock.now();
        let duration_ms = i32::try_from(started.elapsed().as_millis()).unwrap_or(i32::MAX);
        let (status, error) = match &outcome {
            Ok(status) => (Some(i32::from(*status)), None),
            Err((status, error)) => (status.map(i32::from), Some(error.as_str())),
        };
        let retry_at = error.and_then(|_| {
            RETRY_AFTER_SECONDS
                .get(usize::try_from(delivery.attempts).unwrap_or(usize::MAX))
                .map(|s| now + chrono::Duration::seconds(*s))
        });
        let attempt = Attempt {
            at: now,
            status,
            error,
            duration_ms,
            retry_at,
        };
        let failing_since = db::with_conn(pool, |c| {
            Ok::<_, AppError>(hooks::record_attempt(c, &delivery, &attempt)?)
        })?;
        match (&outcome, failing_since) {
            (Ok(_), _) => {
                tracing::info!(delivery = delivery.id, endpoint = endpoint.id, event = %delivery.event_type, "webhook delivered");
                delivered += 1;
            }
            (Err((_, error)), since) => {
                tracing::warn!(delivery = delivery.id, endpoint = endpoint.id, attempts = delivery.attempts + 1, %error, "webhook not delivered; will retry");
                if let Some(since) = since
                    && now - since >= chrono::Duration::hours(DISABLE_AFTER_HOURS)
                {
                    let off = db::with_conn(pool, |c| {
                        Ok::<_, AppError>(crate::changes::webhooks::disable_failing(
                            c, &endpoint, since, now,
                        )?)
                    })?;
                    if off {
                        tracing::warn!(
                            endpoint = endpoint.id,
                            "webhook endpoint turned off after a day of failures"
                        );
                    }
                }
            }
        }
    }
    Ok(delivered)
}
