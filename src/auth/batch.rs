//! Database work of concurrent API checks, answered in batches (PostgreSQL).
//!
//! On PostgreSQL most of a check's cost is the round trips to a server process that shares
//! the machine's cores. A few threads each take every request waiting at that moment and
//! answer them all with one query (or one transaction). Nothing waits for a batch to fill: a
//! lone request is answered at once, and under load the queue that builds while one batch
//! runs becomes the next. Each request's work still starts after the request arrived, so a
//! change committed by any process before then is seen.
//!
//! Used for the credential lookups (`Verifier::find`) and the rate-limit leases
//! (`rate_limit`).

use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Mutex};

use tokio::sync::oneshot;

use crate::db::{self, DbConn, Pool};
use crate::error::AppError;

/// Enough to share one round trip widely, small enough to keep the query's bind list short.
const MAX_BATCH: usize = 64;

type Reply<A> = oneshot::Sender<Result<A, AppError>>;

/// Answers every request of a batch, in the order asked (one answer per request).
pub type Answer<Q, A> = fn(&mut DbConn, &[Q]) -> Result<Vec<A>, AppError>;

pub struct Batches<Q, A> {
    jobs: Mutex<Sender<(Q, Reply<A>)>>,
}

impl<Q: Send + 'static, A: Send + 'static> Batches<Q, A> {
    /// `threads` threads named `name-N`, each answering one batch at a time on `pool`.
    pub fn new(
        name: &str,
        threads: usize,
        pool: Pool,
        answer: Answer<Q, A>,
    ) -> std::io::Result<Batches<Q, A>> {
        let (tx, rx) = channel();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let (rx, pool) = (rx.clone(), pool.clone());
            std::thread::Builder::new()
                .name(format!("{name}-{i}"))
                // Ends when the app (the sender) is gone.
                .spawn(move || while answer_next_batch(&rx, &pool, answer) {})?;
        }
        Ok(Batches {
            jobs: Mutex::new(tx),
        })
    }

    /// The answer to `request`, worked out in the database after this call began.
    pub async fn ask(&self, request: Q) -> Result<A, AppError> {
        let (tx, rx) = oneshot::channel();
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send((request, tx))
            .map_err(|_| AppError::Internal("database batch threads are gone".into()))?;
        rx.await
            .map_err(|_| AppError::Internal("database batch dropped".into()))?
    }
}

/// Waits for requests, answers all that are queued at once; false once the app is gone.
fn answer_next_batch<Q, A>(
    rx: &Mutex<Receiver<(Q, Reply<A>)>>,
    pool: &Pool,
    answer: Answer<Q, A>,
) -> bool {
    let (requests, replies): (Vec<Q>, Vec<Reply<A>>) = {
        let rx = rx.lock().unwrap_or_else(|e| e.into_inner());
        let Ok(first) = rx.recv() else { return false };
        std::iter::once(first)
            .chain(rx.try_iter().take(MAX_BATCH - 1))
            .unzip()
    };
    match db::with_conn(pool, |c| answer(c, &requests)) {
        Ok(answers) => {
            debug_assert_eq!(answers.len(), replies.len());
            for (answer, reply) in answers.into_iter().zip(replies) {
                let _ = reply.send(Ok(answer));
            }
        }
        Err(e) => {
            // Every waiting request fails closed with the same cause.
            let unavailable = matches!(e, AppError::Unavailable(_));
            let message = e.to_string();
            for reply in replies {
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
