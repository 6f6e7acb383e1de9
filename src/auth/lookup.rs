//! The credential lookups of concurrent API checks, answered in batches (PostgreSQL).
//!
//! On PostgreSQL most of a check's cost is the round trip to a server process that shares the
//! machine's cores. A few threads each take every lookup waiting at that moment and answer
//! them all with one query. Nothing waits for a batch to fill: a lone request is looked up at
//! once, and under load the queue that builds while one query runs becomes the next batch.
//! Each lookup still starts after its request arrived, so a revocation committed by any
//! process before then is honoured.

use std::collections::HashMap;
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::db::{self, Pool, credentials::AuthRecord};
use crate::error::AppError;

/// Enough to share one round trip widely, small enough to keep the query's bind list short.
const MAX_BATCH: usize = 64;

type Reply = oneshot::Sender<Result<Option<AuthRecord>, AppError>>;

pub struct Lookups {
    jobs: Mutex<Sender<(String, Reply)>>,
}

impl Lookups {
    pub fn new(threads: usize, pool: Pool) -> std::io::Result<Lookups> {
        let (tx, rx) = channel();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let (rx, pool) = (rx.clone(), pool.clone());
            std::thread::Builder::new()
                .name(format!("credential-lookup-{i}"))
                // Ends when the app (the sender) is gone.
                .spawn(move || while answer_next_batch(&rx, &pool) {})?;
        }
        Ok(Lookups {
            jobs: Mutex::new(tx),
        })
    }

    /// The credential with this public id, read from the database after this call began.
    pub async fn find(&self, public_id: String) -> Result<Option<AuthRecord>, AppError> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send((public_id, tx))
            .map_err(|_| AppError::Internal("credential lookup threads are gone".into()))?;
        rx.await
            .map_err(|_| AppError::Internal("credential lookup dropped".into()))?
    }
}

/// Waits for lookups, answers all that are queued with one query; false once the app is gone.
fn answer_next_batch(rx: &Mutex<Receiver<(String, Reply)>>, pool: &Pool) -> bool {
    let batch: Vec<(String, Reply)> = {
        let rx = rx.lock().unwrap_or_else(|e| e.into_inner());
        let Ok(first) = rx.recv() else { return false };
        std::iter::once(first)
            .chain(rx.try_iter().take(MAX_BATCH - 1))
            .collect()
    };
    let mut ids: Vec<&str> = batch.iter().map(|(id, _)| id.as_str()).collect();
    ids.sort_unstable();
    ids.dedup();
    let found: Result<HashMap<String, AuthRecord>, AppError> =
        db::with_conn(pool, |c| Ok(db::credentials::find_many_for_auth(c, &ids)?));
    match found {
        Ok(records) => {
            for (id, reply) in batch {
                let _ = reply.send(Ok(records.get(&id).cloned()));
            }
        }
        Err(e) => {
            // Every waiting request fails closed with the same cause.
            let unavailable = matches!(e, AppError::Unavailable(_));
            let message = e.to_string();
            for (_, reply) in batch {
                let _ = reply.send(Err(if unavailable {
                    AppError::Unavailable(message.clone())
                } else {
                    AppError::Internal(message.clone())
                }));
            }
        }
    }
    true
}
