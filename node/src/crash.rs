//! Crash points: named places on the persistence path where a test build may be told to abort
//! the process, as a power cut or an OOM kill would stop it exactly there.
//!
//! Only builds with the `failpoints` feature (the cluster tests turn it on) obey; in every other
//! build [`point`] does nothing and links nothing. A test starts a node with, e.g.,
//! `FAILPOINTS='storage::commit::after_write=20*off->return'`: the first 20 passes go by, the
//! 21st aborts (the `fail` crate's syntax; "return" is what triggers the abort).

/// Every crash point, in the order a block passes them.
pub const POINTS: &[&str] = &[
    // Signing this validator's precommit and its checkpoint signature (the vote extension).
    "consensus::sign::vote",
    "consensus::sign::checkpoint",
    // A decided block, about to be written; then the block's one synced WriteBatch.
    "consensus::decided::before_commit",
    "storage::commit::before_write",
    "storage::commit::after_write",
    // Committed, before consensus hears of it and starts the next height.
    "consensus::decided::after_commit",
    // The operation log's sealed batches.
    "access_log::append::before_write",
    "access_log::append::after_write",
];

/// Aborts the process here when the test configuration says so; nothing in other builds.
#[inline]
pub fn point(name: &'static str) {
    #[cfg(feature = "failpoints")]
    fail::eval(name, |_| {
        eprintln!("crash point {name}: aborting the process");
        std::process::abort()
    });
    #[cfg(not(feature = "failpoints"))]
    let _ = name;
}

/// Reads `FAILPOINTS` (test builds only); keep the guard for the life of the process.
#[cfg(feature = "failpoints")]
pub fn setup() -> fail::FailScenario<'static> {
    fail::FailScenario::setup()
}
