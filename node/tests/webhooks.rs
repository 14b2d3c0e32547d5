//! Webhook deliveries against a local receiver, over real HTTP: every alert of the node's
//! department arrives at least once, signed (HMAC-SM3 over the timestamp and body) and with an
//! idempotency key; a receiver that is down gets everything once it is back; a permanent refusal
//! and an address where nobody listens land in the dead letters, and a replay sends them again;
//! a restart of the node neither loses nor repeats a delivery. Every wait is bounded.

use std::net::TcpListener;
use std::sync::Arc;
use std::time::{Duration, Instant};

use gongxin_core::model::{Operation, RectificationTask, Role};
use gongxin_core::tx::{ReplayGuard, TxBody};
use gongxin_node::clock::{Clock, SystemClock};
use gongxin_node::config::Limits;
use gongxin_node::node::Node;
use gongxin_node::producer::produce_block;
use gongxin_node::webhooks::{Format, HttpTransport, RetryPolicy, WebhookConfig, Webhooks};

mod common;
use common::receiver::{Received, Receiver, SECRET};

fn subscription(id: &str, url: &str, department: &str, attempts_max: u32) -> WebhookConfig {
    WebhookConfig {
        id: id.into(),
        url: url.into(),
        secret: SECRET.into(),
        format: Format::Generic,
        kinds: vec!["rectification_due_soon".into()],
        departments: vec![department.into()],
        phones: vec![],
        retry: RetryPolicy {
            first_delay_ms: 20,
            max_delay_ms: 200,
            attempts_max,
            timeout_ms: 2_000,
        },
    }
}

/// Raises `count` tasks the node's department answers for, due within the reminder lead, and
/// commits the block after them, which sends their due-soon reminders.
fn raise_tasks(t: &common::TestNode, node: &Node, first: u64, count: u64) {
    let department = node.own_department().unwrap();
    let auditor = t.keys.member("audit", Role::Auditor).unwrap().clone();
    let person = t
        .keys
        .member(&department, Role::Specialist)
        .unwrap()
        .public_key();
    for n in first..first + count {
        let tx = TxBody {
            chain_id: node.chain_id().to_owned(),
            signer: auditor.public_key(),
            replay: ReplayGuard {
                nonce: n,
                valid_until_height: node.tip().chain.height + 100,
            },
            operation: Operation::RaiseRectification(RectificationTask {
                id: format!("WH-{n}"),
                project: None,
                title: format!("整改 {n}"),
                finding: "finding".into(),
                responsible_department: department.clone(),
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
    }
    produce_block(node, false).unwrap();
    std::thread::sleep(Duration::from_millis(5));
    produce_block(node, true).unwrap();
}

/// `GET /v1/webhooks` as the department's director.
async fn status(t: &common::TestNode) -> serde_json::Value {
    let department = t.node.own_department().unwrap();
    let director = t.keys.member(&department, Role::Director).unwrap().clone();
    let (code, body, text) = t.get_signed("/v1/webhooks", &director).await;
    assert_eq!(code, 200, "{text}");
    body
}

fn subscription_status<'a>(all: &'a serde_json::Value, id: &str) -> &'a serde_json::Value {
    all["subscriptions"]
        .as_array()
        .unwrap()
        .iter()
        .find(|s| s["subscription"]["id"] == id)
        .unwrap_or_else(|| panic!("no webhook {id} in {all}"))
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn every_alert_arrives_signed_and_a_receiver_that_was_down_gets_everything() {
    let t = common::test_node(Limits::default());
    let node = t.node.clone();
    let department = node.own_department().unwrap();
    let receiver = Receiver::start(503);
    let hooks = Webhooks::start(
        node.clone(),
        vec![subscription("hook", &receiver.url, &department, 1_000)],
        Arc::new(HttpTransport),
    )
    .unwrap();

    raise_tasks(&t, &node, 1, 5);
    // Down (503, then no answer at all) for a while: nothing delivered, nothing lost.
    tokio::time::sleep(Duration::from_millis(500)).await;
    receiver.set(0);
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert!(receiver.delivered().is_empty());
    receiver.set(200);
    let got = tokio::task::block_in_place(|| receiver.wait_for(5));
    for r in &got {
        assert!(r.signature_holds(), "{:?}", r.headers);
        let body = r.json();
        assert_eq!(body["kind"], "rectification_due_soon");
        assert_eq!(body["alert"]["responsible_department"], department.as_str());
        assert!(body["text"].as_str().unwrap().starts_with("整改任务 WH-"));
        assert_eq!(r.key(), body["id"].as_str().unwrap());
    }
    let tasks: Vec<String> = got
        .iter()
        .map(|r| {
            r.json()["alert"]["kind"]["task"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(
        tasks,
        ["WH-1", "WH-2", "WH-3", "WH-4", "WH-5"],
        "in chain order"
    );
    let all = status(&t).await;
    let hook = subscription_status(&all, "hook");
    assert_eq!(hook["dead_letters"], serde_json::json!([]));
    assert!(
        !all.to_string().contains(SECRET),
        "the status shows no secret"
    );
    // Another department's director may not see them; audit may.
    let other = t.keys.member("transport", Role::Director).unwrap().clone();
    if department != "transport" {
        assert_eq!(t.get_signed("/v1/webhooks", &other).await.0, 403);
    }
    let auditor = t.keys.member("audit", Role::Auditor).unwrap().clone();
    assert_eq!(t.get_signed("/v1/webhooks", &auditor).await.0, 200);
    hooks.stop(Duration::from_secs(5));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn refusals_and_dead_addresses_land_in_dead_letters_and_a_replay_sends_them() {
    let t = common::test_node(Limits::default());
    let node = t.node.clone();
    let department = node.own_department().unwrap();
    let refusing = Receiver::start(410);
    // A port nobody listens on: bound, then closed.
    let dead_port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let hooks = Webhooks::start(
        node.clone(),
        vec![
            subscription("refused", &refusing.url, &department, 5),
            subscription(
                "nobody",
                &format!("http://127.0.0.1:{dead_port}/hook"),
                &department,
                3,
            ),
        ],
        Arc::new(HttpTransport),
    )
    .unwrap();
    raise_tasks(&t, &node, 1, 2);
    let deadline = Instant::now() + Duration::from_secs(30);
    let all = loop {
        let all = status(&t).await;
        let dead = |id| {
            subscription_status(&all, id)["dead_letters"]
                .as_array()
                .unwrap()
                .len()
        };
        if dead("refused") == 2 && dead("nobody") == 2 {
            break all;
        }
        assert!(Instant::now() < deadline, "dead letters in 30 s: {all}");
        tokio::time::sleep(Duration::from_millis(100)).await;
    };
    let refused = &subscription_status(&all, "refused")["dead_letters"][0];
    assert_eq!(
        (refused["attempts"].as_u64(), refused["last_error"].as_str()),
        (Some(1), Some("HTTP 410"))
    );
    let nobody = &subscription_status(&all, "nobody")["dead_letters"][0];
    assert_eq!(nobody["attempts"], 3, "{nobody}");
    assert_eq!(nobody["kind"], "rectification_due_soon");

    // The receiver is fixed; the department's director replays the dead letters.
    refusing.set(200);
    let director = t.keys.member(&department, Role::Director).unwrap().clone();
    let routes = gongxin_node::gateway::routes(node.clone());
    let replay = |key: gongxin_core::crypto::Keypair, id: &'static str| {
        let routes = routes.clone();
        let node = node.clone();
        async move {
            let path = format!("/v1/webhooks/{id}/replay");
            let mut request = warp::test::request().method("POST").path(&path);
            for (name, value) in sign_post(&node, &key, &path) {
                request = request.header(name, value);
            }
            let response = request.reply(&routes).await;
            (
                response.status().as_u16(),
                String::from_utf8_lossy(response.body()).into_owned(),
            )
        }
    };
    let specialist = t
        .keys
        .member(&department, Role::Specialist)
        .unwrap()
        .clone();
    assert_eq!(replay(specialist, "refused").await.0, 403);
    assert_eq!(replay(director.clone(), "no-such").await.0, 404);
    let (code, body) = replay(director, "refused").await;
    assert_eq!(
        (code, body.contains("\"requeued\":2")),
        (200, true),
        "{body}"
    );
    let got = tokio::task::block_in_place(|| refusing.wait_for(2));
    assert!(got.iter().all(Received::signature_holds));
    let deadline = Instant::now() + Duration::from_secs(10);
    loop {
        let all = status(&t).await;
        let refused = subscription_status(&all, "refused");
        if refused["dead_letters"] == serde_json::json!([]) && refused["replays_queued"] == 0 {
            break;
        }
        assert!(
            Instant::now() < deadline,
            "the replayed letters leave the dead letters: {all}"
        );
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    hooks.stop(Duration::from_secs(5));
}

/// The headers of a signed POST of `path` by `key` for `node`.
fn sign_post(
    node: &Node,
    key: &gongxin_core::crypto::Keypair,
    path: &str,
) -> [(&'static str, String); 5] {
    let nonce = gongxin_core::request_auth::new_nonce().unwrap();
    gongxin_core::request_auth::sign_read_request(
        key,
        &gongxin_core::request_auth::ReadRequest {
            chain_id: node.chain_id(),
            node: &node.name,
            method: "POST",
            path_and_query: path,
            timestamp_ms: SystemClock.now_ms(),
            nonce: &nonce,
        },
    )
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_restart_neither_loses_nor_repeats_deliveries() {
    let t = common::test_node(Limits::default());
    let department = t.node.own_department().unwrap();
    let receiver = Receiver::start(200);
    let config = vec![subscription("hook", &receiver.url, &department, 1_000)];
    let hooks = Webhooks::start(t.node.clone(), config.clone(), Arc::new(HttpTransport)).unwrap();
    raise_tasks(&t, &t.node, 1, 2);
    tokio::task::block_in_place(|| receiver.wait_for(2));
    hooks.stop(Duration::from_secs(5));

    // While the deliveries are stopped, two more reminders; then the node restarts.
    raise_tasks(&t, &t.node, 3, 2);
    let common::TestNode { dir, node, keys } = t;
    drop(node);
    let node = common::open(&dir, &keys, Limits::default());
    let t = common::TestNode { dir, node, keys };
    let hooks = Webhooks::start(t.node.clone(), config, Arc::new(HttpTransport)).unwrap();
    let got = tokio::task::block_in_place(|| receiver.wait_for(4));
    let tasks: Vec<String> = got
        .iter()
        .map(|r| {
            r.json()["alert"]["kind"]["task"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    assert_eq!(tasks, ["WH-1", "WH-2", "WH-3", "WH-4"]);
    // Nothing was sent twice: the cursor was kept across the restart.
    tokio::time::sleep(Duration::from_millis(500)).await;
    assert_eq!(receiver.delivered().len(), 4, "no repeats");
    hooks.stop(Duration::from_secs(5));
}

#[test]
fn the_operator_tests_a_configured_webhook_from_the_command_line() {
    let dir = tempfile::tempdir().unwrap();
    let (keys, mut config, config_path) =
        common::process::single_validator(dir.path(), Limits::default());
    let department = keys.genesis.validators.validators()[0].department.clone();
    let receiver = Receiver::start(200);
    config.webhooks = vec![
        subscription("good", &receiver.url, &department, 1),
        subscription(
            "bad",
            &receiver.url.replace("/hook", "/gone"),
            &department,
            1,
        ),
    ];
    std::fs::write(&config_path, serde_json::to_string_pretty(&config).unwrap()).unwrap();
    let run = |extra: &[&str]| {
        std::process::Command::new(env!("CARGO_BIN_EXE_gongxin-node"))
            .args(["webhooks", "test", "--config"])
            .arg(&config_path)
            .args(extra)
            .output()
            .unwrap()
    };
    let out = run(&["--id", "good"]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success(),
        "{stdout}{}",
        String::from_utf8_lossy(&out.stderr)
    );
    assert!(
        stdout.contains("good:") && stdout.contains("delivered (200)"),
        "{stdout}"
    );
    let sample = &receiver.delivered()[0];
    assert!(sample.signature_holds());
    assert_eq!(sample.json()["event_id"], "0-0");
    assert!(
        sample.json()["text"]
            .as_str()
            .unwrap()
            .contains("TEST-0001")
    );

    // Both: the receiver refuses the second (the test receiver answers by status, so make it
    // refuse now); exit status 1 and each line says what happened.
    receiver.set(404);
    let out = run(&[]);
    let stdout = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{stdout}");
    assert!(stdout.contains("refused (HTTP 404)"), "{stdout}");
    let out = run(&["--id", "nope"]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("no webhook \"nope\""));
    // A subscription for another department is refused before anything is sent.
    config.webhooks[0].departments = vec!["somewhere-else".into()];
    std::fs::write(&config_path, serde_json::to_string_pretty(&config).unwrap()).unwrap();
    let out = run(&[]);
    assert_eq!(out.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&out.stderr).contains("not this node's"));
}
