//! The threads that hash passwords: a fixed few, started with [`Passwords`](super::Passwords),
//! in the scheduling class the operating system reserves for background work.
//!
//! Why not tokio's blocking pool: a login flood keeps every core busy with argon2, and the
//! request handlers (a protected `GET` needs microseconds) then wait for the kernel's
//! scheduler to hand them a core back, which on a saturated machine costs milliseconds. On
//! Linux these threads run under `SCHED_IDLE`: any ordinary thread that wakes up, the
//! runtime's workers above all, preempts them at once, while hashing still gets every cycle
//! nobody else wants (so login throughput stays at what the cores can hash). `nice 19` was
//! measured too: it helps, but the scheduler may let a nice thread finish its time slice
//! first, and the flooded p99 varied from 1.3x to 4x idle where `SCHED_IDLE` stayed at
//! 1.2-1.3x (`scripts/load flood`). An unprivileged thread cannot leave `SCHED_IDLE`, so it
//! must not happen to tokio's shared blocking threads, which the application's other
//! blocking work reuses: hence threads of our own. On other systems the threads keep the
//! default policy.

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

type Job = Box<dyn FnOnce() + Send>;

/// A handle to the hashing threads; they stop when it is dropped (once their queue is empty).
pub(crate) struct HashThreads {
    jobs: Sender<Job>,
}

impl HashThreads {
    /// Starts `count` threads.
    pub(crate) fn start(count: usize) -> std::io::Result<Self> {
        let (jobs, queue) = mpsc::channel::<Job>();
        let queue = Arc::new(Mutex::new(queue));
        for index in 0..count {
            let queue = queue.clone();
            thread::Builder::new()
                .name(format!("auth-password-{index}"))
                .spawn(move || work(&queue))?;
        }
        Ok(Self { jobs })
    }

    /// Runs `job` on one of the threads and waits for its result without blocking the
    /// runtime. `None` if the job could not run to its end (it panicked).
    pub(crate) async fn run<T: Send + 'static>(
        &self,
        job: impl FnOnce() -> T + Send + 'static,
    ) -> Option<T> {
        let (answer, result) = tokio::sync::oneshot::channel();
        self.jobs
            .send(Box::new(move || {
                // The caller may have gone away meanwhile: nobody to answer, nothing lost.
                let _ = answer.send(job());
            }))
            .ok()?;
        result.await.ok()
    }
}

/// The loop of one thread: jobs until every handle is dropped.
fn work(queue: &Mutex<Receiver<Job>>) {
    lower_priority();
    loop {
        let next = queue.lock().unwrap_or_else(PoisonError::into_inner).recv();
        let Ok(job) = next else { return };
        // A panicking job must not take the thread with it: its caller sees `None`, and the
        // thread serves the next one.
        let _ = panic::catch_unwind(AssertUnwindSafe(job));
    }
}

#[cfg(any(target_os = "linux", target_os = "android"))]
fn lower_priority() {
    use thread_priority::{
        NormalThreadSchedulePolicy, ThreadPriority, ThreadSchedulePolicy,
        set_thread_priority_and_policy, thread_native_id,
    };
    // The policy belongs to the calling thread only; nothing else in the process changes.
    let idle = ThreadSchedulePolicy::Normal(NormalThreadSchedulePolicy::Idle);
    if let Err(err) = set_thread_priority_and_policy(thread_native_id(), ThreadPriority::Min, idle)
    {
        tracing::debug!(error = ?err, "could not move a password hashing thread to SCHED_IDLE");
    }
}

#[cfg(not(any(target_os = "linux", target_os = "android")))]
fn lower_priority() {}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn jobs_run_and_a_panic_costs_neither_the_thread_nor_the_caller() {
        let threads = HashThreads::start(1).unwrap();
        assert_eq!(threads.run(|| 6 * 7).await, Some(42));
        assert_eq!(threads.run(|| -> u8 { panic!("boom") }).await, None);
        // The only thread survived its panicking job.
        assert_eq!(threads.run(|| "still here").await, Some("still here"));
    }

    #[cfg(any(target_os = "linux", target_os = "android"))]
    #[tokio::test]
    async fn the_threads_run_as_background_work_and_only_they_do() {
        use thread_priority::{NormalThreadSchedulePolicy, ThreadSchedulePolicy};
        let policy = || thread_priority::unix::thread_schedule_policy().unwrap();
        let before = policy();
        let threads = HashThreads::start(2).unwrap();
        assert_eq!(
            threads.run(policy).await,
            Some(ThreadSchedulePolicy::Normal(
                NormalThreadSchedulePolicy::Idle
            ))
        );
        assert_eq!(policy(), before, "the calling thread keeps its policy");
    }
}
