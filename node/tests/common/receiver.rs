//! A local HTTP receiver for webhook tests: answers every request with a status the test sets
//! (0: hangs up), optionally after a delay, and records what it accepted.

use std::collections::BTreeMap;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::TcpListener;
use std::sync::atomic::{AtomicU16, AtomicU64, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use gongxin_core::hash::hmac_sm3;

/// The HMAC key the tests' subscriptions use.
pub const SECRET: &str = "s3cret-of-the-department";

/// One request as the receiver read it.
#[derive(Debug, Clone)]
pub struct Received {
    pub headers: BTreeMap<String, String>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn key(&self) -> String {
        self.headers["idempotency-key"].clone()
    }

    pub fn signature_holds(&self) -> bool {
        let mut signed = self.headers["gongxin-timestamp"].clone().into_bytes();
        signed.push(b'.');
        signed.extend_from_slice(&self.body);
        self.headers["gongxin-signature"]
            == format!("v1={}", hmac_sm3(SECRET.as_bytes(), &signed).to_hex())
    }

    pub fn json(&self) -> serde_json::Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A receiver on 127.0.0.1 that answers every request with `status` (0: hangs up without an
/// answer) and records what it answered 2xx to.
pub struct Receiver {
    pub url: String,
    status: Arc<AtomicU16>,
    delay_ms: Arc<AtomicU64>,
    delivered: Arc<Mutex<Vec<Received>>>,
}

impl Receiver {
    pub fn start(status: u16) -> Receiver {
        let listener = TcpListener::bind("127.0.0.1:0").unwrap();
        let url = format!("http://{}/hook", listener.local_addr().unwrap());
        let status = Arc::new(AtomicU16::new(status));
        let delay_ms = Arc::new(AtomicU64::new(0));
        let delivered = Arc::new(Mutex::new(Vec::new()));
        let (answer, delay, record) = (status.clone(), delay_ms.clone(), delivered.clone());
        std::thread::spawn(move || {
            for stream in listener.incoming() {
                let Ok(mut stream) = stream else { continue };
                let _ = stream.set_read_timeout(Some(Duration::from_secs(5)));
                let Some(request) = read_request(&mut stream) else {
                    continue;
                };
                std::thread::sleep(Duration::from_millis(delay.load(Ordering::SeqCst)));
                let status = answer.load(Ordering::SeqCst);
                if status == 0 {
                    continue; // dropped: the connection closes without an answer
                }
                if (200..300).contains(&status) {
                    record.lock().unwrap().push(request);
                }
                let _ = write!(
                    stream,
                    "HTTP/1.1 {status} X\r\ncontent-length: 0\r\nconnection: close\r\n\r\n"
                );
            }
        });
        Receiver {
            url,
            status,
            delay_ms,
            delivered,
        }
    }

    pub fn set(&self, status: u16) {
        self.status.store(status, Ordering::SeqCst);
    }

    /// Waits this long before answering each request.
    pub fn set_delay(&self, delay: Duration) {
        self.delay_ms
            .store(delay.as_millis() as u64, Ordering::SeqCst);
    }

    pub fn delivered(&self) -> Vec<Received> {
        self.delivered.lock().unwrap().clone()
    }

    /// The distinct deliveries in chain order, once `n` have arrived (panics after 60 s).
    pub fn wait_for(&self, n: usize) -> Vec<Received> {
        let deadline = Instant::now() + Duration::from_secs(60);
        loop {
            let mut seen = BTreeMap::new();
            for r in self.delivered() {
                seen.entry(r.key()).or_insert(r);
            }
            if seen.len() >= n {
                let mut distinct: Vec<Received> = seen.into_values().collect();
                distinct.sort_by_key(|r| event_order(&r.json()["event_id"]));
                return distinct;
            }
            assert!(
                Instant::now() < deadline,
                "{} of {n} deliveries in 60 s",
                seen.len()
            );
            std::thread::sleep(Duration::from_millis(50));
        }
    }
}

fn event_order(id: &serde_json::Value) -> (u64, u32) {
    let (h, i) = id.as_str().unwrap().split_once('-').unwrap();
    (h.parse().unwrap(), i.parse().unwrap())
}

fn read_request(stream: &mut std::net::TcpStream) -> Option<Received> {
    let mut reader = BufReader::new(stream.try_clone().ok()?);
    let mut line = String::new();
    reader.read_line(&mut line).ok()?;
    let mut headers = BTreeMap::new();
    loop {
        let mut h = String::new();
        reader.read_line(&mut h).ok()?;
        let h = h.trim_end();
        if h.is_empty() {
            break;
        }
        let (name, value) = h.split_once(':')?;
        headers.insert(name.trim().to_ascii_lowercase(), value.trim().to_owned());
    }
    let length: usize = headers.get("content-length")?.parse().ok()?;
    let mut body = vec![0; length];
    reader.read_exact(&mut body).ok()?;
    Some(Received { headers, body })
}
