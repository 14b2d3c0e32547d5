//! The do-not-sign mark of a validator rebuilt from its peers.
//!
//! `gongxin-node resync` sets a validator's database aside, and its consensus write-ahead log
//! goes with it: the log is what remembers which votes this validator signed at the height it
//! was working on. Rebuilt without it, the validator could vote again at a height it already
//! voted at — for another block, or against its lock — which is how a BFT validator signs
//! twice. So `resync` first writes this mark, `<data dir>.sign-guard` (beside the database, as
//! the height mark is, so that nothing done to the database takes it along): the highest height
//! this validator may have signed at. Until its chain has committed that height and caught up
//! with the others, the node runs consensus as a follower that signs nothing; then it removes
//! the mark and rejoins as a validator (`consensus::engine::run`, `ConsensusApp::run`).
//!
//! The mark is one line, `do-not-sign-through <height>`. A mark that does not read as one
//! stops the node: ignoring it would be the unsafe way to fail.

use std::path::{Path, PathBuf};

const PREFIX: &str = "do-not-sign-through ";

/// Where the mark of the database at `data_dir` lives: `<data dir>.sign-guard`.
pub fn path(data_dir: &Path) -> PathBuf {
    crate::storage::sibling_path(data_dir, ".sign-guard")
}

/// The height the mark forbids signing at or below, if there is a mark.
pub fn read(data_dir: &Path) -> std::io::Result<Option<u64>> {
    let path = path(data_dir);
    let text = match std::fs::read_to_string(&path) {
        Ok(text) => text,
        Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(None),
        Err(e) => return Err(e),
    };
    text.trim()
        .strip_prefix(PREFIX)
        .and_then(|height| height.parse().ok())
        .map(Some)
        .ok_or_else(|| {
            std::io::Error::new(
                std::io::ErrorKind::InvalidData,
                format!(
                    "{} does not read as `{PREFIX}<height>`; it was written by `gongxin-node \
                     resync`: write the height the other validators have reached into it, \
                     in that form",
                    path.display()
                ),
            )
        })
}

/// Writes (durably) a mark for `height`, or keeps the one there if it already says more: two
/// resyncs in a row must not lower it. Returns the height the mark now holds.
///
/// A mark there that does not parse may have said more than `height`, so it is replaced only
/// with `replace_unreadable` (the operator gave the height the network has reached); any other
/// error reading it is returned.
pub fn write(data_dir: &Path, height: u64, replace_unreadable: bool) -> std::io::Result<u64> {
    let earlier = match read(data_dir) {
        Ok(earlier) => earlier,
        Err(e) if e.kind() == std::io::ErrorKind::InvalidData && replace_unreadable => None,
        Err(e) => return Err(e),
    };
    let height = earlier.unwrap_or(0).max(height);
    crate::storage::write_file_durably(&path(data_dir), format!("{PREFIX}{height}\n").as_bytes())?;
    Ok(height)
}

/// Removes the mark (once the chain has passed it).
pub fn clear(data_dir: &Path) -> std::io::Result<()> {
    match std::fs::remove_file(path(data_dir)) {
        Err(e) if e.kind() != std::io::ErrorKind::NotFound => Err(e),
        _ => Ok(()),
    }
}

/// Whether a node whose chain has committed `tip` must still not sign, under a mark for
/// `guard`: it may have signed at every height up to `guard`, so it signs again only at
/// heights above it, i.e. once `guard` itself is committed.
pub fn still_holds(guard: u64, tip: u64) -> bool {
    tip < guard
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_mark_is_written_beside_the_database_read_back_and_never_lowered() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        assert_eq!(read(&data).unwrap(), None);
        assert_eq!(write(&data, 12, false).unwrap(), 12);
        assert_eq!(path(&data), dir.path().join("data.sign-guard"));
        assert_eq!(
            std::fs::read_to_string(path(&data)).unwrap(),
            "do-not-sign-through 12\n"
        );
        assert_eq!(read(&data).unwrap(), Some(12));
        // A second resync with an older height keeps the higher mark; a newer one raises it.
        assert_eq!(write(&data, 7, true).unwrap(), 12);
        assert_eq!(write(&data, 20, false).unwrap(), 20);
        assert_eq!(read(&data).unwrap(), Some(20));
        assert!(!dir.path().join("data.sign-guard.partial").exists());
        clear(&data).unwrap();
        assert_eq!(read(&data).unwrap(), None);
        clear(&data).unwrap();
    }

    #[test]
    fn a_mark_that_does_not_read_stops_the_node_instead_of_being_ignored() {
        let dir = tempfile::tempdir().unwrap();
        let data = dir.path().join("data");
        for junk in [
            "",
            "12",
            "do-not-sign-through",
            "do-not-sign-through -1",
            "\u{0}",
        ] {
            std::fs::write(path(&data), junk).unwrap();
            let error = read(&data).unwrap_err();
            assert_eq!(error.kind(), std::io::ErrorKind::InvalidData, "{junk:?}");
            assert!(error.to_string().contains("do-not-sign-through <height>"));
        }
        // A new resync does not replace it on its own height: the lost mark may have said more.
        let kept = write(&data, 3, false).unwrap_err();
        assert_eq!(kept.kind(), std::io::ErrorKind::InvalidData);
        assert_eq!(std::fs::read_to_string(path(&data)).unwrap(), "\u{0}");
        // Given the network's height (`--network-height`), it does.
        assert_eq!(write(&data, 3, true).unwrap(), 3);
        assert_eq!(read(&data).unwrap(), Some(3));
    }

    #[test]
    fn signing_resumes_only_once_the_marked_height_is_committed() {
        assert!(still_holds(10, 0));
        assert!(still_holds(10, 9));
        assert!(!still_holds(10, 10));
        assert!(!still_holds(10, 11));
    }
}
