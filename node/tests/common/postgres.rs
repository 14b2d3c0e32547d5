//! A throwaway PostgreSQL server for the sink's tests: Debian's `postgresql` binaries
//! (`scripts/install-deps` installs them), a cluster in a temp dir, listening on 127.0.0.1 at a
//! free port below the ephemeral range, stopped and deleted when the guard drops. PostgreSQL
//! refuses to run as root, so under root the server runs as the `postgres` user.

use std::path::{Path, PathBuf};
use std::process::Command;

pub struct PgServer {
    dir: tempfile::TempDir,
    bin: PathBuf,
    pub port: u16,
}

/// The newest `/usr/lib/postgresql/<version>/bin` that has `initdb`.
fn server_bin() -> PathBuf {
    let mut found: Vec<(u32, PathBuf)> = std::fs::read_dir("/usr/lib/postgresql")
        .into_iter()
        .flatten()
        .flatten()
        .filter_map(|e| {
            let version = e.file_name().to_str()?.parse::<u32>().ok()?;
            let bin = e.path().join("bin");
            bin.join("initdb").exists().then_some((version, bin))
        })
        .collect();
    found.sort();
    found
        .pop()
        .map(|(_, bin)| bin)
        .expect("PostgreSQL server binaries (/usr/lib/postgresql/*/bin/initdb) not found: run scripts/install-deps, which installs Debian's postgresql")
}

fn is_root() -> bool {
    rustix::process::getuid().is_root()
}

/// `program args…`, as the `postgres` user when this process is root.
fn command(program: &Path) -> Command {
    if is_root() {
        let mut c = Command::new("runuser");
        c.args(["-u", "postgres", "--"]).arg(program);
        c
    } else {
        Command::new(program)
    }
}

fn run(mut c: Command, what: &str) {
    let out = c.output().unwrap_or_else(|e| panic!("{what}: {e}"));
    assert!(
        out.status.success(),
        "{what} failed: {}{}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
}

impl PgServer {
    pub fn start() -> PgServer {
        let bin = server_bin();
        let dir = tempfile::tempdir().unwrap();
        if is_root() {
            let mut chown = Command::new("chown");
            chown.args(["-R", "postgres:postgres"]).arg(dir.path());
            run(chown, "chown the cluster directory");
        }
        let data = dir.path().join("data");
        let mut initdb = command(&bin.join("initdb"));
        initdb.arg("-D").arg(&data).args([
            "-A",
            "trust",
            "-U",
            "gongxin",
            "-E",
            "UTF8",
            "--no-sync",
        ]);
        run(initdb, "initdb");
        let port = super::process::free_port();
        let server = PgServer { dir, bin, port };
        server.pg_ctl_start();
        server
    }

    fn pg_ctl_start(&self) {
        let options = format!(
            "-p {} -k {} -c listen_addresses=127.0.0.1 -c fsync=off",
            self.port,
            self.dir.path().display()
        );
        let mut start = command(&self.bin.join("pg_ctl"));
        start
            .arg("-D")
            .arg(self.dir.path().join("data"))
            .arg("-l")
            .arg(self.dir.path().join("server.log"))
            .args(["-w", "-t", "60", "-o", &options, "start"]);
        run(start, "pg_ctl start");
    }

    /// Stops the server at once (as a crash would) and starts it again on the same port.
    pub fn crash_and_restart(&self) {
        self.stop("immediate");
        self.pg_ctl_start();
    }

    fn stop(&self, mode: &str) {
        let mut stop = command(&self.bin.join("pg_ctl"));
        stop.arg("-D")
            .arg(self.dir.path().join("data"))
            .args(["-m", mode, "-w", "stop"]);
        let _ = stop.output();
    }

    /// A libpq connection string for database `postgres` as the cluster's superuser.
    pub fn url(&self) -> String {
        format!(
            "host=127.0.0.1 port={} user=gongxin dbname=postgres",
            self.port
        )
    }

    pub fn client(&self) -> postgres::Client {
        postgres::Client::connect(&self.url(), postgres::NoTls).unwrap()
    }
}

impl Drop for PgServer {
    fn drop(&mut self) {
        self.stop("immediate");
    }
}
