//! The event stream on a served gateway: signed, filtered (types, kinds, projects, mine), scoped
//! to what the reader may see, and resumable with `Last-Event-ID` — a subscriber that
//! reconnects gets exactly the events it missed, replayed from storage, also after the node
//! restarted. Every read is bounded by a timeout; the server stops with the test.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use gongxin_core::crypto::Keypair;
use gongxin_core::model::{Operation, RectificationTask, Role};
use gongxin_core::tx::{ReplayGuard, TxBody};
use gongxin_node::clock::{Clock, SystemClock};
use gongxin_node::config::Limits;
use gongxin_node::event_log::{EventId, Replay};
use gongxin_node::gateway;
use gongxin_node::node::Node;
use gongxin_node::producer::produce_block;
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::TcpStream;

mod common;

/// One server-sent event.
#[derive(Debug, Clone, PartialEq, Eq)]
struct SseEvent {
    id: Option<String>,
    event: String,
    data: String,
}

/// A subscription read over HTTP/1.0, so the body is the raw stream (no chunk framing).
struct Subscription {
    status: u16,
    stream: TcpStream,
    buffer: String,
}

impl Subscription {
    async fn open(addr: SocketAddr, path: &str, headers: &[(&str, String)]) -> Subscription {
        let mut stream = TcpStream::connect(addr).await.unwrap();
        let mut request = format!("GET {path} HTTP/1.0\r\nhost: {addr}\r\n");
        for (name, value) in headers {
            request.push_str(&format!("{name}: {value}\r\n"));
        }
        request.push_str("\r\n");
        stream.write_all(request.as_bytes()).await.unwrap();
        let mut sub = Subscription {
            status: 0,
            stream,
            buffer: String::new(),
        };
        let deadline = Instant::now() + Duration::from_secs(10);
        while !sub.buffer.contains("\r\n\r\n") {
            assert!(sub.read_some(deadline).await, "no response head");
        }
        let (head, body) = sub.buffer.split_once("\r\n\r\n").unwrap();
        sub.status = head[9..12].parse().unwrap();
        sub.buffer = body.to_owned();
        sub
    }

    /// Reads more of the stream; false at its end or the deadline.
    async fn read_some(&mut self, deadline: Instant) -> bool {
        let mut chunk = [0u8; 16 * 1024];
        let left = deadline.saturating_duration_since(Instant::now());
        match tokio::time::timeout(left, self.stream.read(&mut chunk)).await {
            Ok(Ok(n)) if n > 0 => {
                self.buffer.push_str(&String::from_utf8_lossy(&chunk[..n]));
                true
            }
            _ => false,
        }
    }

    /// The rest of the body (for a refused subscription).
    async fn body(mut self) -> String {
        let deadline = Instant::now() + Duration::from_secs(10);
        while self.read_some(deadline).await {}
        self.buffer
    }

    /// The next event (keep-alive comments skipped), if one comes before `within` passes.
    async fn next(&mut self, within: Duration) -> Option<SseEvent> {
        let deadline = Instant::now() + within;
        loop {
            if let Some((frame, rest)) = self.buffer.split_once("\n\n") {
                let (frame, rest) = (frame.to_owned(), rest.to_owned());
                self.buffer = rest;
                let mut event = SseEvent {
                    id: None,
                    event: "message".into(),
                    data: String::new(),
                };
                for line in frame.lines() {
                    match line.split_once(':') {
                        Some(("id", v)) => event.id = Some(v.trim_start().to_owned()),
                        Some(("event", v)) => event.event = v.trim_start().to_owned(),
                        Some(("data", v)) => event.data.push_str(v.trim_start()),
                        _ => {}
                    }
                }
                if event.id.is_some() || event.event != "message" || !event.data.is_empty() {
                    return Some(event);
                }
                continue;
            }
            if !self.read_some(deadline).await {
                return None;
            }
        }
    }

    /// Events until one with id `last` (inclusive) arrives; panics if it does not within 20 s.
    async fn until(&mut self, last: &str) -> Vec<SseEvent> {
        let mut seen = Vec::new();
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            let left = deadline.saturating_duration_since(Instant::now());
            let event = self
                .next(left)
                .await
                .unwrap_or_else(|| panic!("event {last} never came; saw {seen:?}"));
            let done = event.id.as_deref() == Some(last);
            seen.push(event);
            if done {
                return seen;
            }
        }
    }
}

/// A node and its gateway; dropping `stop` (with the rest) stops the gateway.
struct Served {
    t: common::TestNode,
    addr: SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    nonce: u64,
}

async fn serve(node: std::sync::Arc<Node>) -> (SocketAddr, tokio::sync::oneshot::Sender<()>) {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
    tokio::spawn(gateway::serve(
        gateway::Ctx::new(node),
        listener,
        async move {
            let _ = stopped.await;
        },
    ));
    (addr, stop)
}

impl Served {
    async fn start() -> Served {
        let t = common::test_node(Limits::default());
        let (addr, stop) = serve(t.node.clone()).await;
        Served {
            t,
            addr,
            stop: Some(stop),
            nonce: 0,
        }
    }

    fn key(&self, department: &str, role: Role) -> Keypair {
        self.t.keys.member(department, role).unwrap().clone()
    }

    fn headers(&self, key: &Keypair, path: &str) -> Vec<(&'static str, String)> {
        common::signed_get_headers(&self.t.node, key, path, SystemClock.now_ms()).into()
    }

    async fn subscribe(&self, key: &Keypair, path: &str) -> Subscription {
        let sub = Subscription::open(self.addr, path, &self.headers(key, path)).await;
        assert_eq!(sub.status, 200, "{path}");
        sub
    }

    /// Raises a task `department` answers for, due within the reminder lead (its due-soon
    /// alert comes with the next block), and commits it.
    fn raise_task(&mut self, id: &str, department: &str) {
        self.nonce += 1;
        let auditor = self.key("audit", Role::Auditor);
        let person = self.key(department, Role::Specialist).public_key();
        let node = &self.t.node;
        let tx = TxBody {
            chain_id: node.chain_id().to_owned(),
            signer: auditor.public_key(),
            replay: ReplayGuard {
                nonce: self.nonce,
                valid_until_height: node.tip().chain.height + 100,
            },
            operation: Operation::RaiseRectification(RectificationTask {
                id: id.into(),
                project: None,
                title: format!("整改 {id}"),
                finding: "finding".into(),
                responsible_department: department.into(),
                responsible_person: person,
                deadline_ms: SystemClock.now_ms() + 86_400_000,
                acceptance_standard: "standard".into(),
                source_ref: String::new(),
            }),
        }
        .sign(&auditor);
        node.admission
            .submit(tx.clone(), tx.to_bytes().len())
            .unwrap();
        self.block();
    }

    /// Commits a block (later than the last, so due-soon reminders fire) and returns its id.
    fn block(&self) -> EventId {
        std::thread::sleep(Duration::from_millis(3));
        let summary = produce_block(&self.t.node, true).unwrap().unwrap();
        EventId::block(summary.height)
    }
}

fn alert_department(event: &SseEvent) -> String {
    let data: serde_json::Value = serde_json::from_str(&event.data).unwrap();
    data["responsible_department"].as_str().unwrap().to_owned()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_stream_is_signed_and_refuses_bad_filters_and_event_ids() {
    let s = Served::start().await;
    let anyone = Subscription::open(s.addr, "/v1/events", &[]).await;
    assert_eq!(anyone.status, 401);
    assert!(anyone.body().await.contains("unauthenticated"));
    let auditor = s.key("audit", Role::Auditor);
    for (path, code) in [
        ("/v1/events?types=blocks", "bad_query"),
        ("/v1/events?kinds=late", "bad_query"),
        ("/v1/events?mine=maybe", "bad_query"),
        ("/v1/events?last_event_id=7", "bad_event_id"),
    ] {
        let sub = Subscription::open(s.addr, path, &s.headers(&auditor, path)).await;
        assert_eq!(sub.status, 400, "{path}");
        assert!(sub.body().await.contains(code), "{path}");
    }
    let mut headers = s.headers(&auditor, "/v1/events");
    headers.push(("last-event-id", "x-1".into()));
    let sub = Subscription::open(s.addr, "/v1/events", &headers).await;
    assert_eq!(sub.status, 400);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_department_hears_its_own_alerts_and_mine_means_the_ones_naming_me() {
    let mut s = Served::start().await;
    let transport = s.key("transport", Role::Specialist);
    let transport_director = s.key("transport", Role::Director);
    let finance = s.key("finance", Role::Specialist);
    let mut alerts = s.subscribe(&transport, "/v1/events?types=alert").await;
    let mut mine = s
        .subscribe(&transport_director, "/v1/events?types=alert&mine=true")
        .await;
    let mut blocks = s.subscribe(&finance, "/v1/events?types=block").await;

    // Ecology's task and transport's, then one more of transport's as the last thing sent.
    s.raise_task("R-ECO", "ecology");
    s.raise_task("R-T1", "transport");
    s.block();
    s.raise_task("R-T2", "transport");
    let last = s.block();

    let heard: Vec<SseEvent> = {
        let mut heard = Vec::new();
        while heard.len() < 2 {
            let e = alerts
                .next(Duration::from_secs(20))
                .await
                .expect("transport's two alerts");
            heard.push(e);
        }
        heard
    };
    assert!(heard.iter().all(|e| e.event == "alert"), "{heard:?}");
    assert!(
        heard.iter().all(|e| alert_department(e) == "transport"),
        "another department's alert reached transport: {heard:?}"
    );
    // The director is named by both of transport's alerts (as its director).
    for _ in 0..2 {
        let e = mine.next(Duration::from_secs(20)).await.expect("mine");
        assert_eq!(alert_department(&e), "transport");
    }
    // Finance asked for blocks only: it hears the last block and nothing but blocks.
    let heard = blocks.until(&last.to_string()).await;
    assert!(heard.iter().all(|e| e.event == "block"), "{heard:?}");
    // Nothing more arrives for transport (ecology's alert was never sent to it).
    assert!(alerts.next(Duration::from_millis(500)).await.is_none());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_resumed_stream_gets_exactly_the_missed_events_also_after_a_restart() {
    let mut s = Served::start().await;
    let auditor = s.key("audit", Role::Auditor);
    let mut steady = s.subscribe(&auditor, "/v1/events").await;
    let mut dropped = s.subscribe(&auditor, "/v1/events").await;
    s.raise_task("R-1", "ecology");
    let first = s.block();
    let before = dropped.until(&first.to_string()).await;
    drop(dropped);

    // While it is away: two tasks, their alerts, empty blocks.
    s.raise_task("R-2", "transport");
    s.raise_task("R-3", "ecology");
    s.block();
    // An empty block: its event is the last of the stretch (a block's own event comes before
    // the ledger events it carries).
    let last = s.block();
    let seen_before = steady.until(&first.to_string()).await;
    assert_eq!(seen_before, before, "both heard the same until the drop");
    let missed = steady.until(&last.to_string()).await;
    assert!(
        missed.iter().filter(|e| e.event == "alert").count() >= 2,
        "{missed:?}"
    );

    // Back with Last-Event-ID: exactly what the steady subscriber heard meanwhile, in order.
    let mut headers = s.headers(&auditor, "/v1/events");
    headers.push(("last-event-id", first.to_string()));
    let mut resumed = Subscription::open(s.addr, "/v1/events", &headers).await;
    assert_eq!(resumed.status, 200);
    assert_eq!(resumed.until(&last.to_string()).await, missed);
    // And it goes on live: the next block arrives once.
    let next = s.block();
    let live = resumed.until(&next.to_string()).await;
    assert_eq!(live.len(), 1, "{live:?}");

    // An id from the future (a devnet started afresh): a reset, then the live stream.
    let mut headers = s.headers(&auditor, "/v1/events");
    headers.push(("last-event-id", "999999-0".into()));
    let mut ahead = Subscription::open(s.addr, "/v1/events", &headers).await;
    let first_event = ahead.next(Duration::from_secs(10)).await.unwrap();
    assert_eq!(first_event.event, "reset", "{first_event:?}");
    let next = s.block();
    let live = ahead.until(&next.to_string()).await;
    assert_eq!(live.len(), 1, "{live:?}");

    // A query-parameter resume (an EventSource that opens a new signed URL) with filters.
    let path = format!("/v1/events?types=alert&last_event_id={first}");
    let mut alerts_only = s.subscribe(&auditor, &path).await;
    let want: Vec<SseEvent> = missed
        .iter()
        .filter(|e| e.event == "alert")
        .cloned()
        .collect();
    let mut got = Vec::new();
    while got.len() < want.len() {
        got.push(
            alerts_only
                .next(Duration::from_secs(20))
                .await
                .expect("replayed alerts"),
        );
    }
    assert_eq!(got, want);

    // The events survive a restart: a reopened node replays them from its database.
    drop(steady);
    drop(resumed);
    drop(ahead);
    drop(alerts_only);
    s.stop.take().unwrap().send(()).unwrap();
    let Served { t, .. } = s;
    let common::TestNode { dir, node, keys } = t;
    let tip = node.tip().chain.height;
    drop(node);
    let reopened = wait_reopen(&dir, &keys);
    match reopened.replay_events(first).unwrap() {
        Replay::Events(events) => {
            let ids: Vec<String> = events.iter().map(|e| e.id.to_string()).collect();
            let heard: Vec<String> = missed.iter().filter_map(|e| e.id.clone()).collect();
            assert_eq!(&ids[..heard.len()], &heard[..]);
            assert_eq!(events.last().unwrap().id.height, tip);
        }
        Replay::TooFar { .. } => panic!("a few blocks back is within the bound"),
    }
    assert!(matches!(
        reopened.replay_events(EventId::block(tip + 5)).unwrap(),
        Replay::TooFar { behind_blocks: 0 }
    ));
}

/// Reopens the node once the served one has let go of its database (the gateway task ends
/// after its shutdown signal; bounded).
fn wait_reopen(dir: &tempfile::TempDir, keys: &gongxin_devnet::DevnetKeys) -> std::sync::Arc<Node> {
    let deadline = Instant::now() + Duration::from_secs(20);
    loop {
        let open = std::panic::AssertUnwindSafe(|| common::open(dir, keys, Limits::default()));
        match std::panic::catch_unwind(open) {
            Ok(node) => return node,
            Err(_) if Instant::now() < deadline => std::thread::sleep(Duration::from_millis(100)),
            Err(e) => std::panic::resume_unwind(e),
        }
    }
}
