//! Shared by the client's integration tests: running the `gongxin` binary, and a fake gateway —
//! a tiny HTTP/1.1 server on 127.0.0.1:0 answering from a closure, so the SDK and CLI can be
//! driven through exactly the answers a test wants (including a dishonest node's). The real
//! devnet the end-to-end tests start is in [`devnet`].
//!
//! The server handles one connection at a time (the client is blocking and sends
//! `Connection: close`-friendly requests), stops when dropped, and in any case after
//! `SERVER_LIFETIME`, so a failing test can never leave it running.

#![allow(dead_code)] // each test binary uses its own part of this module

pub mod devnet;

use std::collections::BTreeMap;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Command, Output};
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

/// The longest a fake server lives, whatever the test does.
const SERVER_LIFETIME: Duration = Duration::from_secs(60);
/// The largest request a fake server reads.
const REQUEST_BYTES_MAX: usize = 1024 * 1024;

/// A node's `GET /v1/status` answer, for fake nodes: what signed reads are bound to (chain and
/// node name), the genesis hash `submit --genesis` checks, and the height and log size.
pub fn status_json(
    chain_id: &str,
    node: &str,
    genesis_hash: gongxin_core::Hash,
    height: u64,
    log_size: u64,
) -> serde_json::Value {
    use gongxin_core::Hash;
    serde_json::json!({
        "chain_id": chain_id, "node": node, "genesis_hash": genesis_hash,
        "height": height, "log_size": log_size, "log_root": Hash::digest(b"root"),
        "last_block_hash": Hash::digest(b"block"), "last_block_time_ms": 1_767_225_600_000u64,
        "state_hash": Hash::digest(b"state"), "mempool_txs": 0, "mempool_bytes": 0,
        "uptime_s": 5,
    })
}

/// Runs `gongxin` with `args`, with `GONGXIN_NODE` cleared so only `--node` counts.
pub fn gongxin(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_gongxin"))
        .args(args)
        .env_remove("GONGXIN_NODE")
        .output()
        .expect("run gongxin")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8_lossy(bytes).into_owned()
}

pub fn path_str(path: &Path) -> &str {
    path.to_str().expect("utf-8 temp path")
}

/// Asserts an exit code, showing the output when it differs.
pub fn assert_exit(out: &Output, code: i32) {
    assert_eq!(
        out.status.code(),
        Some(code),
        "stdout:\n{}\nstderr:\n{}",
        text(&out.stdout),
        text(&out.stderr)
    );
}

/// A request as the fake server saw it.
#[derive(Debug, Clone)]
pub struct Request {
    pub method: String,
    /// The request target exactly as sent (path and query, still percent-encoded).
    pub target: String,
    pub path: String,
    /// Query parameters, values as sent (not percent-decoded).
    pub query: BTreeMap<String, String>,
    /// Header names lower-cased, values as sent.
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

impl Request {
    pub fn param(&self, name: &str) -> Option<u64> {
        self.query.get(name).and_then(|v| v.parse().ok())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).map(String::as_str)
    }
}

/// What the fake server answers.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    pub headers: Vec<(&'static str, String)>,
}

impl Reply {
    pub fn json(status: u16, value: serde_json::Value) -> Reply {
        Reply {
            status,
            content_type: "application/json",
            body: value.to_string().into_bytes(),
            headers: Vec::new(),
        }
    }

    pub fn text(status: u16, body: &str) -> Reply {
        Reply {
            status,
            content_type: "text/plain; charset=utf-8",
            body: body.as_bytes().to_vec(),
            headers: Vec::new(),
        }
    }

    /// The gateway's error shape.
    pub fn error(status: u16, code: &str, message: &str) -> Reply {
        Reply::json(
            status,
            serde_json::json!({"error": code, "message": message}),
        )
    }

    pub fn with_header(mut self, name: &'static str, value: &str) -> Reply {
        self.headers.push((name, value.to_owned()));
        self
    }
}

/// A fake gateway; stops when dropped.
pub struct FakeNode {
    url: String,
    stop: Arc<AtomicBool>,
    seen: Arc<Mutex<Vec<String>>>,
    thread: Option<JoinHandle<()>>,
}

impl FakeNode {
    pub fn start(mut handler: impl FnMut(&Request) -> Reply + Send + 'static) -> FakeNode {
        let listener = TcpListener::bind("127.0.0.1:0").expect("bind 127.0.0.1:0");
        listener.set_nonblocking(true).unwrap();
        let url = format!("http://{}", listener.local_addr().unwrap());
        let stop = Arc::new(AtomicBool::new(false));
        let seen = Arc::new(Mutex::new(Vec::new()));
        let thread = {
            let (stop, seen) = (stop.clone(), seen.clone());
            std::thread::spawn(move || {
                let deadline = Instant::now() + SERVER_LIFETIME;
                while !stop.load(Ordering::Relaxed) && Instant::now() < deadline {
                    match listener.accept() {
                        Ok((stream, _)) => serve(stream, &mut handler, &seen),
                        // WouldBlock: nobody is connecting; anything else: try again.
                        Err(_) => std::thread::sleep(Duration::from_millis(2)),
                    }
                }
            })
        };
        FakeNode {
            url,
            stop,
            seen,
            thread: Some(thread),
        }
    }

    pub fn url(&self) -> &str {
        &self.url
    }

    /// `METHOD /path?query` of every request served so far.
    pub fn requests(&self) -> Vec<String> {
        self.seen.lock().unwrap().clone()
    }
}

impl Drop for FakeNode {
    fn drop(&mut self) {
        self.stop.store(true, Ordering::Relaxed);
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}

/// Reads one request, logs it, answers it, closes the connection.
fn serve(
    stream: TcpStream,
    handler: &mut impl FnMut(&Request) -> Reply,
    seen: &Mutex<Vec<String>>,
) {
    let _ = serve_one(stream, handler, seen);
}

fn serve_one(
    mut stream: TcpStream,
    handler: &mut impl FnMut(&Request) -> Reply,
    seen: &Mutex<Vec<String>>,
) -> Option<()> {
    stream.set_nonblocking(false).ok()?;
    stream.set_read_timeout(Some(Duration::from_secs(5))).ok()?;
    let mut buffer = Vec::new();
    let mut chunk = [0u8; 8192];
    let header_end = loop {
        if let Some(at) = buffer.windows(4).position(|w| w == b"\r\n\r\n") {
            break at + 4;
        }
        if buffer.len() > REQUEST_BYTES_MAX {
            return None;
        }
        let read = stream.read(&mut chunk).ok()?;
        if read == 0 {
            return None;
        }
        buffer.extend_from_slice(&chunk[..read]);
    };
    let head = String::from_utf8_lossy(&buffer[..header_end]).into_owned();
    let mut lines = head.split("\r\n");
    let mut request_line = lines.next()?.split(' ');
    let method = request_line.next()?.to_owned();
    let target = request_line.next()?.to_owned();
    let headers: BTreeMap<String, String> = lines
        .filter_map(|l| l.split_once(':'))
        .map(|(name, value)| (name.trim().to_ascii_lowercase(), value.trim().to_owned()))
        .collect();
    let content_length: usize = headers
        .get("content-length")
        .and_then(|v| v.parse().ok())
        .unwrap_or(0);
    if content_length > REQUEST_BYTES_MAX {
        return None;
    }
    let mut body = buffer[header_end..].to_vec();
    while body.len() < content_length {
        let read = stream.read(&mut chunk).ok()?;
        if read == 0 {
            return None;
        }
        body.extend_from_slice(&chunk[..read]);
    }
    let (path, query) = match target.split_once('?') {
        Some((path, query)) => (path.to_owned(), query),
        None => (target.clone(), ""),
    };
    let query = query
        .split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_owned(), v.to_owned()))
        .collect();
    let request = Request {
        method,
        target,
        path,
        query,
        headers,
        body,
    };
    // Logged before answering, so a client that has its answer sees its request logged.
    seen.lock().unwrap().push(if request.query.is_empty() {
        format!("{} {}", request.method, request.path)
    } else {
        let query: Vec<String> = request
            .query
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect();
        format!("{} {}?{}", request.method, request.path, query.join("&"))
    });
    let reply = handler(&request);
    let mut response = format!(
        "HTTP/1.1 {} X\r\ncontent-type: {}\r\ncontent-length: {}\r\nconnection: close\r\n",
        reply.status,
        reply.content_type,
        reply.body.len()
    );
    for (name, value) in &reply.headers {
        response.push_str(&format!("{name}: {value}\r\n"));
    }
    response.push_str("\r\n");
    let _ = stream.write_all(response.as_bytes());
    let _ = stream.write_all(&reply.body);
    let _ = stream.flush();
    Some(())
}
