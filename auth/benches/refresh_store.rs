//! What one refresh costs a store as its state grows: a rotation in a family that has
//! rotated 1 000 times against one that has rotated 100 000 times, a rotation of a user with
//! one live family against one with 10 000, and a login that evicts the oldest session of a
//! user at a cap of one against a cap of 10 000. The stores bound their state
//! (security manual, RT-09), so each pair should cost the same: the table's `ratio` column is
//! the large state's median over the small one's, measured in interleaved rounds of one run so
//! that a noisy machine slows both alike.
//!
//! `cargo bench -p auth --all-features --bench refresh_store` (the Redis rows need
//! `redis-server` on the `PATH`; without it they are skipped, loudly). `-- --quick` prefills
//! a tenth of the state, for a smoke run.
#![allow(missing_docs, clippy::unwrap_used, clippy::cast_precision_loss)]

use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant, SystemTime, UNIX_EPOCH};

use auth::store::{
    AccessGrant, MemoryStore, NewFamily, RefreshStore, Rotation, Successor, TokenHash,
};

/// Rounds of each measurement; the table shows the median round.
const ROUNDS: usize = 15;
/// Operations per round.
const PER_ROUND: usize = 200;

fn unique(what: &str) -> String {
    static NEXT: AtomicU64 = AtomicU64::new(0);
    format!("{what}-{}", NEXT.fetch_add(1, Ordering::Relaxed))
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn grant(now: u64) -> AccessGrant {
    AccessGrant {
        jwt_id: unique("jti"),
        expires_at: now + 900,
    }
}

/// One family's newest token, rotated on demand.
struct Chain {
    subject: String,
    current: TokenHash,
}

impl Chain {
    async fn start(store: &dyn RefreshStore, subject: &str, max_live: usize) -> Self {
        let now = now();
        let current = TokenHash::of(&unique("token"));
        store
            .insert(
                &NewFamily {
                    token: current,
                    family: unique("family"),
                    subject: subject.to_owned(),
                    expires_at: now + 30 * 24 * 3600,
                    idle_expires_at: now + 7 * 24 * 3600,
                    access: grant(now),
                    max_live_families: max_live,
                },
                now,
            )
            .await
            .unwrap();
        Self {
            subject: subject.to_owned(),
            current,
        }
    }

    async fn rotate(&mut self, store: &dyn RefreshStore) {
        let now = now();
        let next = TokenHash::of(&unique("token"));
        let successor = Successor {
            token: next,
            idle_expires_at: now + 7 * 24 * 3600,
            access: grant(now),
        };
        let rotation = store.rotate(&self.current, &successor, now).await.unwrap();
        assert_eq!(rotation, Rotation::Rotated);
        self.current = next;
    }
}

/// The per-operation medians of `small` and `large`, measured in alternating rounds.
async fn side_by_side<S, L>(mut small: S, mut large: L) -> (Duration, Duration)
where
    S: AsyncFnMut(),
    L: AsyncFnMut(),
{
    async fn round(op: &mut impl AsyncFnMut()) -> Duration {
        let start = Instant::now();
        for _ in 0..PER_ROUND {
            op().await;
        }
        start.elapsed() / u32::try_from(PER_ROUND).unwrap()
    }
    // One round each to warm caches and connections.
    round(&mut small).await;
    round(&mut large).await;
    let (mut a, mut b) = (Vec::new(), Vec::new());
    for _ in 0..ROUNDS {
        a.push(round(&mut small).await);
        b.push(round(&mut large).await);
    }
    a.sort();
    b.sort();
    (a[ROUNDS / 2], b[ROUNDS / 2])
}

fn row(store: &str, what: &str, small: &str, large: &str, (a, b): (Duration, Duration)) {
    println!(
        "| {store} | {what} | {small}: {a:.1?} | {large}: {b:.1?} | {:.2} |",
        b.as_secs_f64() / a.as_secs_f64()
    );
}

/// Every measurement on one store.
async fn measure(name: &str, store: &dyn RefreshStore, scale: usize) {
    let rotations = (1_000, 100_000 / scale);
    let families = (1, 10_000 / scale);
    let no_cap = usize::MAX;

    // Rotations of one family.
    let mut young = Chain::start(store, &unique("user"), no_cap).await;
    let mut old = Chain::start(store, &unique("user"), no_cap).await;
    for _ in 0..rotations.0 {
        young.rotate(store).await;
    }
    for _ in 0..rotations.1 {
        old.rotate(store).await;
    }
    let times = side_by_side(
        async || young.rotate(store).await,
        async || old.rotate(store).await,
    )
    .await;
    row(
        name,
        "rotate",
        &format!("{} rotations", rotations.0),
        &format!("{} rotations", rotations.1),
        times,
    );

    // A rotation of a user with one live family against one with many.
    let mut alone = Chain::start(store, &unique("user"), no_cap).await;
    let mut crowded = Chain::start(store, &unique("user"), no_cap).await;
    for _ in 1..families.1 {
        Chain::start(store, &crowded.subject, no_cap).await;
    }
    let times = side_by_side(
        async || alone.rotate(store).await,
        async || crowded.rotate(store).await,
    )
    .await;
    row(
        name,
        "rotate",
        &format!("{} family", families.0),
        &format!("{} families", families.1),
        times,
    );

    // A login of a user at the cap of live families, which evicts the oldest: a cap of one
    // against one of many. Both users also pile up the evicted families, whose access tokens
    // a revocation of the user must still find.
    let cap = families.1;
    let (single, busy) = (unique("user"), unique("user"));
    for _ in 0..cap {
        Chain::start(store, &busy, cap).await;
    }
    let times = side_by_side(
        async || drop(Chain::start(store, &single, 1).await),
        async || drop(Chain::start(store, &busy, cap).await),
    )
    .await;
    row(
        name,
        "login at the cap",
        "1 family",
        &format!("{cap} families"),
        times,
    );
}

#[cfg(feature = "redis")]
mod redis_server {
    use std::net::{TcpListener, TcpStream};
    use std::process::{Child, Command, Stdio};
    use std::time::{Duration, Instant};

    /// A throw-away `redis-server` on a free loopback port, killed on drop.
    pub(crate) struct RedisServer {
        child: Child,
        pub(crate) url: String,
    }

    impl RedisServer {
        pub(crate) fn start() -> Option<Self> {
            let port = TcpListener::bind("127.0.0.1:0")
                .and_then(|listener| listener.local_addr())
                .unwrap()
                .port();
            let child = Command::new("redis-server")
                .args(["--port", &port.to_string(), "--bind", "127.0.0.1"])
                .args(["--save", "", "--appendonly", "no"])
                .stdout(Stdio::null())
                .stderr(Stdio::null())
                .spawn()
                .ok()?;
            let deadline = Instant::now() + Duration::from_secs(10);
            while TcpStream::connect(("127.0.0.1", port)).is_err() {
                assert!(Instant::now() < deadline, "redis-server did not start");
                std::thread::sleep(Duration::from_millis(20));
            }
            Some(Self {
                child,
                url: format!("redis://127.0.0.1:{port}"),
            })
        }
    }

    impl Drop for RedisServer {
        fn drop(&mut self) {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    // `cargo test --benches` runs every bench once with `--bench`-less arguments; a
    // measurement is only meant for `cargo bench`.
    if !args.iter().any(|arg| arg == "--bench") {
        return;
    }
    let scale = if args.iter().any(|arg| arg == "--quick") {
        10
    } else {
        1
    };
    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    println!("| store | operation | small state | large state | ratio |");
    println!("|---|---|---|---|---:|");
    runtime.block_on(async {
        measure("memory", &MemoryStore::new(), scale).await;
        #[cfg(feature = "redis")]
        match redis_server::RedisServer::start() {
            Some(server) => {
                let store = auth::store::RedisStore::connect(&server.url).await.unwrap();
                measure("redis", &store, scale).await;
            }
            None => eprintln!("\n*** redis rows SKIPPED: redis-server is not installed ***\n"),
        }
        #[cfg(not(feature = "redis"))]
        eprintln!("\n*** redis rows SKIPPED: build with --features redis ***\n");
    });
}
