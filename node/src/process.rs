//! The daemon's process edges, shared with the tooling that runs it: the shutdown signal, and
//! finding a sibling executable (the programs of one build sit in one directory).

use std::path::PathBuf;

/// Completes on Ctrl-C or (on Unix) SIGTERM.
pub async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(term) => term,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// The executable `name` in the same directory as this program (as cargo and an installation
/// place them); a test binary in `target/<profile>/deps/` (or an example in `…/examples/`)
/// finds the one in `target/<profile>/`.
/// `Err` carries the path where it was expected, for the caller's message.
pub fn sibling_executable(name: &str) -> Result<PathBuf, PathBuf> {
    let file = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    let exe = std::env::current_exe().map_err(|_| PathBuf::from(&file))?;
    let Some(dir) = exe.parent() else {
        return Err(PathBuf::from(&file));
    };
    let beside = dir.join(&file);
    if beside.is_file() {
        return Ok(beside);
    }
    if dir
        .file_name()
        .is_some_and(|d| d == "deps" || d == "examples")
        && let Some(target) = dir.parent()
        && target.join(&file).is_file()
    {
        return Ok(target.join(&file));
    }
    Err(beside)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_sibling_names_where_it_was_expected() {
        let expected = sibling_executable("gongxin-no-such-program").unwrap_err();
        assert!(expected.ends_with("gongxin-no-such-program"));
        let exe = std::env::current_exe().unwrap();
        assert_eq!(expected.parent(), exe.parent());
    }
}
