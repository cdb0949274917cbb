//! The threads that hash passwords: a fixed few, started with [`Passwords`](super::Passwords),
//! at the lowest CPU priority the operating system gives without privileges.
//!
//! Why not tokio's blocking pool: a login flood keeps every core busy with argon2, and the
//! request handlers (a protected `GET` needs microseconds) then wait for the kernel's
//! scheduler to hand them a core back, which on a saturated machine costs milliseconds. On
//! Linux these threads run at `nice 19`, so the scheduler lets any ordinary thread, the
//! runtime's workers above all, run first as soon as it wakes, while hashing still gets
//! every cycle nobody else wants (so login throughput stays at what the cores can hash).
//! Lowering a thread's priority cannot be undone without privileges, so it must not happen
//! to tokio's shared blocking threads, which the application's other blocking work reuses:
//! hence threads of our own. On other systems the threads keep the default priority.

use std::panic::{self, AssertUnwindSafe};
use std::sync::mpsc::{self, Receiver, Sender};
use std::sync::{Arc, Mutex, PoisonError};
use std::thread;

/// The nice value of the hashing threads (Linux): the lowest priority.
#[cfg(any(target_os = "linux", target_os = "android"))]
const NICE: i32 = 19;

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
    // On Linux the nice value belongs to the thread (`setpriority(PRIO_PROCESS, 0)` names
    // the calling thread), so this changes nothing else in the process.
    if let Err(err) = rustix::process::setpriority_process(None, NICE) {
        tracing::debug!(error = %err, "could not lower the priority of a password hashing thread");
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
    async fn the_threads_run_at_the_lowest_priority_and_only_they_do() {
        let nice = || rustix::process::getpriority_process(None).unwrap();
        let before = nice();
        let threads = HashThreads::start(2).unwrap();
        assert_eq!(threads.run(nice).await, Some(NICE));
        assert_eq!(nice(), before, "the calling thread keeps its priority");
    }
}
