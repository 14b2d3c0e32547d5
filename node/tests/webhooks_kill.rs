//! `kill -9` of the real node in the middle of webhook deliveries: after a restart every
//! reminder still arrives (at least once, signed), because the delivery cursor moves only past
//! what was delivered. The node is stopped when the test ends, pass or fail; every wait is
//! bounded.

use std::time::{Duration, Instant};

use gongxin_core::model::{Operation, RectificationTask, Role};
use gongxin_core::tx::{ReplayGuard, TxBody};
use gongxin_node::config::Limits;
use gongxin_node::webhooks::{Format, RetryPolicy, WebhookConfig};

mod common;
use common::process::{single_validator, start};
use common::receiver::{Receiver, SECRET};

const TASKS: u64 = 20;

fn get_json(agent: &ureq::Agent, url: &str) -> Option<serde_json::Value> {
    let mut response = agent.get(url).call().ok()?;
    response.body_mut().read_json().ok()
}

fn wait_healthy(agent: &ureq::Agent, base: &str) -> u64 {
    let deadline = Instant::now() + Duration::from_secs(60);
    loop {
        if let Some(status) = get_json(agent, &format!("{base}/v1/status")) {
            return status["height"].as_u64().unwrap();
        }
        assert!(Instant::now() < deadline, "node not healthy in 60 s");
        std::thread::sleep(Duration::from_millis(50));
    }
}

#[test]
fn kill_9_in_the_middle_of_deliveries_loses_none() {
    let dir = tempfile::tempdir().unwrap();
    let (keys, mut config, config_path) = single_validator(
        dir.path(),
        Limits {
            block_interval_ms: 50,
            empty_block_interval_ms: 100,
            ..Limits::default()
        },
    );
    let department = keys.genesis.validators.validators()[0].department.clone();
    // A slow receiver, so the kill lands while a delivery is in flight.
    let receiver = Receiver::start(200);
    receiver.set_delay(Duration::from_millis(150));
    config.webhooks = vec![WebhookConfig {
        id: "hook".into(),
        url: receiver.url.clone(),
        secret: SECRET.into(),
        format: Format::Generic,
        kinds: vec!["rectification_due_soon".into()],
        departments: vec![department.clone()],
        phones: vec![],
        retry: RetryPolicy {
            first_delay_ms: 50,
            max_delay_ms: 500,
            attempts_max: 100,
            timeout_ms: 5_000,
        },
    }];
    std::fs::write(&config_path, serde_json::to_string_pretty(&config).unwrap()).unwrap();
    let log = dir.path().join("node.log");
    let base = format!("http://{}", config.http);
    let agent: ureq::Agent = ureq::Agent::config_builder()
        .http_status_as_error(false)
        .timeout_global(Some(Duration::from_secs(10)))
        .build()
        .into();

    let mut node = start(&config_path, &log);
    let height = wait_healthy(&agent, &base);
    let auditor = keys.member("audit", Role::Auditor).unwrap().clone();
    let person = keys
        .member(&department, Role::Specialist)
        .unwrap()
        .public_key();
    for n in 1..=TASKS {
        let tx = TxBody {
            chain_id: keys.genesis.chain_id.clone(),
            signer: auditor.public_key(),
            replay: ReplayGuard {
                nonce: n,
                valid_until_height: height + 1_000,
            },
            operation: Operation::RaiseRectification(RectificationTask {
                id: format!("KILL-{n}"),
                project: None,
                title: format!("整改 {n}"),
                finding: "finding".into(),
                responsible_department: department.clone(),
                responsible_person: person,
                deadline_ms: gongxin_node::clock::Clock::now_ms(&gongxin_node::clock::SystemClock)
                    + 86_400_000,
                acceptance_standard: "standard".into(),
                source_ref: String::new(),
            }),
        }
        .sign(&auditor);
        let response = agent
            .post(&format!("{base}/v1/txs"))
            .header("content-type", "application/json")
            .send(serde_json::to_vec(&tx).unwrap())
            .unwrap();
        assert_eq!(response.status().as_u16(), 202);
    }

    // Some deliveries in, then kill -9 while the next is in flight.
    let deadline = Instant::now() + Duration::from_secs(60);
    while receiver.delivered().len() < 4 {
        assert!(
            Instant::now() < deadline,
            "deliveries did not start: {}",
            std::fs::read_to_string(&log).unwrap_or_default()
        );
        std::thread::sleep(Duration::from_millis(20));
    }
    std::thread::sleep(Duration::from_millis(60));
    node.0.kill().unwrap();
    node.0.wait().unwrap();
    let before = receiver.delivered().len() as u64;
    assert!(
        before < TASKS,
        "the kill came after everything was delivered"
    );

    receiver.set_delay(Duration::ZERO);
    let _node = start(&config_path, &log);
    let got = receiver.wait_for(TASKS as usize);
    let tasks: Vec<String> = got
        .iter()
        .map(|r| {
            r.json()["alert"]["kind"]["task"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    // Every reminder arrived. (`wait_for` lists them in chain order, by event id; two tasks
    // raised in one block are in the block's order, not necessarily the order they were sent.)
    let mut arrived = tasks.clone();
    arrived.sort();
    let mut expected: Vec<String> = (1..=TASKS).map(|n| format!("KILL-{n}")).collect();
    expected.sort();
    assert_eq!(arrived, expected, "every reminder arrived");
    // And they were delivered in chain order: first arrivals follow the event ids.
    let all = receiver.delivered();
    let mut first_arrivals: Vec<String> = Vec::new();
    for r in &all {
        let key = r.json()["event_id"].as_str().unwrap().to_owned();
        if !first_arrivals.contains(&key) {
            first_arrivals.push(key);
        }
    }
    let chain_order: Vec<String> = got
        .iter()
        .map(|r| r.json()["event_id"].as_str().unwrap().to_owned())
        .collect();
    assert_eq!(first_arrivals, chain_order, "delivered in chain order");
    assert!(all.iter().all(|r| r.signature_holds()));
    // At least once: the one in flight at the kill may come twice, nothing more.
    let repeats = all.len() as u64 - TASKS;
    assert!(
        repeats <= 1,
        "{repeats} repeats after a kill (delivered {before} before it)"
    );
}
