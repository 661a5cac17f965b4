//! The machinery of background tasks: periodic jobs with one `run_once`,
//! batch writers fed through a `BatchQueue`, and the set of running tasks
//! that stops writers first and periodic jobs after. Which tasks run is
//! decided in `workers/mod.rs`.

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use tokio::sync::{mpsc, watch};
use tokio::task::JoinHandle;

use crate::error::AppResult;

/// Work done on a timer. `run_once` does one round and says how many things
/// it handled; a failed round is logged and tried again next tick.
pub trait Periodic: 'static {
    const NAME: &'static str;
    fn every(&self) -> Duration;
    fn run_once(&self) -> impl Future<Output = AppResult<usize>>;
}

/// Told when to stop; cheap to clone into each task.
#[derive(Clone)]
pub struct Stop(watch::Receiver<bool>);

impl Stop {
    /// Resolves once a stop is requested (at once if it already was).
    pub async fn requested(&mut self) {
        // An error means the sender is gone, which is a stop as well.
        let _ = self.0.wait_for(|stop| *stop).await;
    }
}

/// The receiving end of a batch writer's queue: hands out what arrived
/// while the previous batch was being written, and on stop closes the queue
/// and hands out what is left before saying it is done.
pub struct BatchQueue<T> {
    rx: mpsc::Receiver<T>,
    stop: Stop,
    closed: bool,
    max: usize,
}

impl<T> BatchQueue<T> {
    pub fn new(rx: mpsc::Receiver<T>, stop: Stop, max: usize) -> Self {
        Self {
            rx,
            stop,
            closed: false,
            max,
        }
    }

    /// Tops `batch` up to the largest batch: waits for a first job when it
    /// is empty, then takes whatever else is queued. False once stopped and
    /// drained with nothing left to write.
    pub async fn fill(&mut self, batch: &mut Vec<T>) -> bool {
        while batch.is_empty() {
            tokio::select! {
                biased;
                job = self.rx.recv() => match job {
                    Some(job) => batch.push(job),
                    None => return false,
                },
                _ = self.stop.requested(), if !self.closed => {
                    // Senders now fail; what is queued is still received.
                    self.rx.close();
                    self.closed = true;
                }
            }
        }
        while batch.len() < self.max {
            match self.rx.try_recv() {
                Ok(job) => batch.push(job),
                Err(_) => break,
            }
        }
        true
    }
}

struct Group {
    stop: watch::Sender<bool>,
    tasks: Vec<(&'static str, JoinHandle<()>)>,
}

impl Group {
    fn new() -> Self {
        Self {
            stop: watch::channel(false).0,
            tasks: Vec::new(),
        }
    }

    fn signal(&self) -> Stop {
        Stop(self.stop.subscribe())
    }

    async fn stop(self) {
        let _ = self.stop.send(true);
        for (name, task) in self.tasks {
            if let Err(e) = task.await {
                tracing::error!(worker = name, error = %e, "worker ended abnormally");
            }
            tracing::debug!(worker = name, "worker stopped");
        }
    }
}

/// Running background tasks, in two groups stopped one after the other.
pub struct TaskSet {
    writers: Group,
    periodic: Group,
}

impl Default for TaskSet {
    fn default() -> Self {
        Self::new()
    }
}

impl TaskSet {
    pub fn new() -> Self {
        Self {
            writers: Group::new(),
            periodic: Group::new(),
        }
    }

    /// Starts a batch writer: `run` gets the signal on which it closes its
    /// queue, and must answer everything queued before it returns.
    pub fn start_writer<F>(&mut self, name: &'static str, run: impl FnOnce(Stop) -> F)
    where
        F: Future<Output = ()> + 'static,
    {
        let task = actix_web::rt::spawn(run(self.writers.signal()));
        self.writers.tasks.push((name, task));
    }

    /// Starts a task that runs until told to stop, stopped with the periodic
    /// jobs (the change listener).
    pub fn start_follower<F>(&mut self, name: &'static str, run: impl FnOnce(Stop) -> F)
    where
        F: Future<Output = ()> + 'static,
    {
        let task = actix_web::rt::spawn(run(self.periodic.signal()));
        self.periodic.tasks.push((name, task));
    }

    /// Runs `job` every `job.every()` until stopped; a round in progress is
    /// finished first.
    pub fn start_periodic<P: Periodic>(&mut self, job: Arc<P>) {
        let mut stop = self.periodic.signal();
        let task = actix_web::rt::spawn(async move {
            let mut tick = tokio::time::interval(job.every());
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tokio::select! {
                    biased;
                    _ = stop.requested() => break,
                    _ = tick.tick() => {}
                }
                if let Err(e) = job.run_once().await {
                    tracing::warn!(worker = P::NAME, error = %e, "background round failed; retrying");
                }
            }
        });
        self.periodic.tasks.push((P::NAME, task));
    }

    /// Writers first (they answer requests), then the periodic jobs.
    pub async fn stop(self) {
        self.writers.stop().await;
        self.periodic.stop().await;
        tracing::info!("background workers stopped");
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};

    struct Counter(AtomicUsize);

    impl Periodic for Counter {
        const NAME: &'static str = "counter";
        fn every(&self) -> Duration {
            Duration::from_millis(1)
        }
        async fn run_once(&self) -> AppResult<usize> {
            Ok(self.0.fetch_add(1, Ordering::SeqCst))
        }
    }

    #[actix_web::test]
    async fn stop_waits_for_writers_to_drain_then_ends_periodic_jobs() {
        let mut workers = TaskSet::new();
        let (tx, rx) = mpsc::channel::<u32>(16);
        let drained = Arc::new(AtomicUsize::new(0));
        let seen = drained.clone();
        workers.start_writer("test writer", move |stop| async move {
            let mut queue = BatchQueue::new(rx, stop, 2);
            let mut batch = Vec::new();
            while queue.fill(&mut batch).await {
                assert!(batch.len() <= 2);
                seen.fetch_add(batch.len(), Ordering::SeqCst);
                batch.clear();
            }
        });
        for n in 0..5 {
            tx.send(n).await.unwrap();
        }
        let counter = Arc::new(Counter(AtomicUsize::new(0)));
        workers.start_periodic(counter.clone());
        tokio::time::sleep(Duration::from_millis(20)).await;
        workers.stop().await;
        assert_eq!(drained.load(Ordering::SeqCst), 5);
        // The queue is closed: nothing more can be sent.
        assert!(tx.send(9).await.is_err());
        let rounds = counter.0.load(Ordering::SeqCst);
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_eq!(
            counter.0.load(Ordering::SeqCst),
            rounds,
            "no round after stop"
        );
        assert!(rounds > 0);
    }
}
