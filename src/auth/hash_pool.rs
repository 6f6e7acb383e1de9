//! A few threads that do all argon2 work. Each hash or check holds ~19 MiB for ~20 ms: run on
//! a small fixed set of threads, the memory stays bounded (a thread's allocator keeps what it
//! freed), and requests queue instead of piling up on the shared blocking pool.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::mpsc::{Sender, channel};
use std::sync::{Arc, Mutex};

use crate::error::AppError;

type Job = Box<dyn FnOnce() + Send>;

pub struct HashPool {
    jobs: Mutex<Sender<Job>>,
    /// Jobs queued or running: past `MAX_WAITING` a new one is refused (503) rather than
    /// queued behind seconds of work.
    waiting: Arc<AtomicUsize>,
}

/// Enough for every worker's requests at once, a few seconds of argon2 work at most.
const MAX_WAITING: usize = 256;

impl HashPool {
    pub fn new(threads: usize) -> std::io::Result<HashPool> {
        let (tx, rx) = channel::<Job>();
        let rx = Arc::new(Mutex::new(rx));
        for i in 0..threads.max(1) {
            let rx = rx.clone();
            std::thread::Builder::new()
                .name(format!("argon2-{i}"))
                .spawn(move || {
                    loop {
                        let job = rx.lock().unwrap_or_else(|e| e.into_inner()).recv();
                        match job {
                            Ok(job) => job(),
                            // The app is gone: nothing more will come.
                            Err(_) => break,
                        }
                    }
                })?;
        }
        Ok(HashPool {
            jobs: Mutex::new(tx),
            waiting: Arc::default(),
        })
    }

    pub async fn run<T, F>(&self, f: F) -> Result<T, AppError>
    where
        F: FnOnce() -> T + Send + 'static,
        T: Send + 'static,
    {
        if self.waiting.fetch_add(1, Ordering::SeqCst) >= MAX_WAITING {
            self.waiting.fetch_sub(1, Ordering::SeqCst);
            return Err(AppError::Unavailable(
                "too many password checks waiting".into(),
            ));
        }
        let waiting = self.waiting.clone();
        let (tx, rx) = tokio::sync::oneshot::channel();
        let job: Job = Box::new(move || {
            let _ = tx.send(f());
            waiting.fetch_sub(1, Ordering::SeqCst);
        });
        self.jobs
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .send(job)
            .map_err(|_| AppError::Internal("argon2 threads are gone".into()))?;
        rx.await
            .map_err(|_| AppError::Internal("argon2 job dropped".into()))
    }
}
