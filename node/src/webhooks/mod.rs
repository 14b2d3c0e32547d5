//! Webhooks: reminders pushed to where people are — a 钉钉 / 浙政钉 or 企业微信 group robot, an
//! SMS gateway, or any HTTP receiver — outside consensus, from the node's own configuration.
//!
//! **Who sends what.** A department's own node delivers that department's alerts (those whose
//! responsible department, or the department they were escalated to, is the node's): four nodes
//! do not send the same reminder four times, and each department keeps its robot tokens on its
//! own machine. A subscription naming another department is refused when the node starts.
//!
//! **How.** One worker thread per subscription follows the chain's durable events
//! ([`crate::event_log`]) from a cursor kept in the `webhooks` column family. For each alert the
//! subscription wants it sends one request ([`payload`]: JSON, robot text or SMS form, signed
//! with HMAC-SM3 and an idempotency key) and retries transient failures (connection errors,
//! timeouts, 408/425/429, 5xx) with exponential backoff; a permanent refusal (another 4xx) or
//! the last failed attempt puts the delivery in the subscription's dead letters, which the
//! operator sees at `GET /v1/webhooks` and sends again with `POST /v1/webhooks/{id}/replay`.
//! The cursor moves past an event only once it was delivered or dead-lettered, so a restart —
//! or a `kill -9` — sends again at most what was in flight: delivery is at least once, and the
//! receiver drops repeats by idempotency key.

pub mod payload;
pub mod text;
mod worker;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use gongxin_contracts::{Alert, AlertKind};
use serde::{Deserialize, Serialize};

pub use payload::Format;
pub use worker::{DeadLetter, Outcome, classify};

use crate::event_log::EventId;
use crate::node::Node;
use crate::storage::{StorageError, Store};

/// Subscriptions one node may have.
pub const SUBSCRIPTIONS_MAX: usize = 32;

/// How a subscription retries.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct RetryPolicy {
    /// The wait after the first failed attempt; it doubles after each.
    pub first_delay_ms: u64,
    pub max_delay_ms: u64,
    /// Attempts before a delivery goes to the dead letters.
    pub attempts_max: u32,
    /// One request's time limit.
    pub timeout_ms: u64,
}

impl Default for RetryPolicy {
    /// 1 s, 2 s, 4 s … up to a minute between attempts, 12 attempts (about 7 minutes): a
    /// receiver down for a few minutes loses nothing.
    fn default() -> Self {
        RetryPolicy {
            first_delay_ms: 1_000,
            max_delay_ms: 60_000,
            attempts_max: 12,
            timeout_ms: 10_000,
        }
    }
}

/// One subscription, as the node's config file gives it (`webhooks: [...]`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WebhookConfig {
    /// 1–64 characters `[A-Za-z0-9._-]`.
    pub id: String,
    /// `http://` or `https://`; for a robot, its webhook address with the access token.
    pub url: String,
    /// The HMAC-SM3 key of `gongxin-signature` (and 钉钉's 加签 secret).
    #[serde(default)]
    pub secret: String,
    #[serde(default)]
    pub format: Format,
    /// Alert kinds by code; all when empty.
    #[serde(default)]
    pub kinds: Vec<String>,
    /// Departments whose alerts it carries: this node's own.
    pub departments: Vec<String>,
    /// Phone numbers, for `sms_form`.
    #[serde(default)]
    pub phones: Vec<String>,
    #[serde(default)]
    pub retry: RetryPolicy,
}

impl WebhookConfig {
    /// Why the subscription cannot run on the node of `own_department`, if it cannot.
    pub fn problem(&self, own_department: Option<&str>) -> Option<String> {
        let id = &self.id;
        if !gongxin_core::model::is_valid_id(id) {
            return Some(format!(
                "webhook id {id:?} is invalid: 1-64 characters from A-Z a-z 0-9 . _ -"
            ));
        }
        let scheme_ok = self.url.starts_with("http://") || self.url.starts_with("https://");
        if !scheme_ok || self.url.len() > 2048 || self.url.chars().any(char::is_whitespace) {
            return Some(format!(
                "webhook {id}: url must be an http:// or https:// address without spaces"
            ));
        }
        if let Some(kind) = self
            .kinds
            .iter()
            .find(|k| !AlertKind::CODES.contains(&k.as_str()))
        {
            return Some(format!(
                "webhook {id}: {kind:?} is not an alert kind; known: {}",
                AlertKind::CODES.join(", ")
            ));
        }
        let Some(own) = own_department else {
            return Some(format!(
                "webhook {id}: this node is not a department's validator, so it delivers no alerts"
            ));
        };
        if self.departments.is_empty() {
            return Some(format!("webhook {id}: departments is empty; use [{own:?}]"));
        }
        if let Some(other) = self.departments.iter().find(|d| d.as_str() != own) {
            return Some(format!(
                "webhook {id}: department {other:?} is not this node's ({own:?}); each department's own node delivers its alerts"
            ));
        }
        if self.format == Format::SmsForm && self.phones.is_empty() {
            return Some(format!("webhook {id}: sms_form needs phones"));
        }
        let r = &self.retry;
        if r.attempts_max == 0 || r.first_delay_ms == 0 || r.max_delay_ms < r.first_delay_ms {
            return Some(format!(
                "webhook {id}: retry needs attempts_max ≥ 1 and 0 < first_delay_ms ≤ max_delay_ms"
            ));
        }
        if !(100..=120_000).contains(&r.timeout_ms) {
            return Some(format!(
                "webhook {id}: retry.timeout_ms must be 100 to 120000"
            ));
        }
        None
    }

    /// Whether the subscription carries `alert`.
    pub fn wants(&self, alert: &Alert) -> bool {
        let addressed = self.departments.iter().any(|d| {
            *d == alert.responsible_department || alert.escalated_to.as_deref() == Some(d)
        });
        let kind = self.kinds.is_empty() || self.kinds.iter().any(|k| k == alert.kind.code());
        addressed && kind
    }

    /// What `GET /v1/webhooks` shows of it: no secret, and only the address's scheme and host
    /// (robot addresses carry their access token in the path or the query).
    pub fn redacted(&self) -> serde_json::Value {
        serde_json::json!({
            "id": self.id,
            "url": shown_url(&self.url),
            "format": self.format,
            "kinds": self.kinds,
            "departments": self.departments,
            "phones": self.phones.len(),
            "retry": self.retry,
        })
    }
}

/// An address as the status shows it: scheme and host only (robot tokens sit in the path or
/// the query, credentials before the host).
pub fn shown_url(url: &str) -> String {
    let (scheme, rest) = url.split_once("://").unwrap_or(("", url));
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let host = host.rsplit('@').next().unwrap_or_default();
    format!("{scheme}://{host}/…")
}

/// `text` with every http(s) address in it cut to [`shown_url`] (error messages quote them).
pub fn redact_urls(text: &str) -> String {
    text.split_inclusive(char::is_whitespace)
        .map(|word| {
            let trimmed = word.trim_end();
            match trimmed.find("http://").or_else(|| trimmed.find("https://")) {
                Some(at) => format!(
                    "{}{}{}",
                    &trimmed[..at],
                    shown_url(&trimmed[at..]),
                    &word[trimmed.len()..]
                ),
                None => word.to_owned(),
            }
        })
        .collect()
}

/// Checks every subscription and that ids are unique.
pub fn check_all(configs: &[WebhookConfig], own_department: Option<&str>) -> Result<(), String> {
    if configs.len() > SUBSCRIPTIONS_MAX {
        return Err(format!(
            "{} webhooks; at most {SUBSCRIPTIONS_MAX}",
            configs.len()
        ));
    }
    for (i, c) in configs.iter().enumerate() {
        if let Some(problem) = c.problem(own_department) {
            return Err(problem);
        }
        if configs[..i].iter().any(|o| o.id == c.id) {
            return Err(format!("webhook id {:?} appears twice", c.id));
        }
    }
    Ok(())
}

/// A receiver's answer: its status and the start of its body (robots answer 200 and say in
/// the body whether they took the message).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Answer {
    pub status: u16,
    pub body: String,
}

/// Bytes of an answer's body a delivery reads.
const ANSWER_BODY_MAX: u64 = 4_096;

/// Sends one request; the answer, or why there was none.
pub trait Transport: Send + Sync {
    fn send(&self, request: &payload::Request, timeout: Duration) -> Result<Answer, String>;
}

/// HTTP(S) with `ureq` (rustls, the web PKI's roots).
#[derive(Debug, Default)]
pub struct HttpTransport;

impl Transport for HttpTransport {
    fn send(&self, request: &payload::Request, timeout: Duration) -> Result<Answer, String> {
        let agent: ureq::Agent = ureq::Agent::config_builder()
            .timeout_global(Some(timeout))
            .http_status_as_error(false)
            .max_redirects(0)
            .build()
            .into();
        let mut call = agent
            .post(&request.url)
            .header("content-type", request.content_type);
        for (name, value) in &request.headers {
            call = call.header(*name, value);
        }
        let mut response = call
            .send(&request.body[..])
            .map_err(|e| redact_urls(&e.to_string()))?;
        let status = response.status().as_u16();
        let body = response
            .body_mut()
            .with_config()
            .limit(ANSWER_BODY_MAX)
            .read_to_string()
            .unwrap_or_default();
        Ok(Answer { status, body })
    }
}

/// The keys of the `webhooks` column family.
pub(crate) mod keys {
    use crate::event_log::EventId;

    /// `s/<id>`: the subscription as last started (redacted JSON), for the status endpoint.
    pub fn subscription(id: &str) -> Vec<u8> {
        format!("s/{id}").into_bytes()
    }
    pub const SUBSCRIPTIONS: &[u8] = b"s/";
    /// `c/<id>`: the cursor: every event at or before it is delivered or dead-lettered.
    pub fn cursor(id: &str) -> Vec<u8> {
        format!("c/{id}").into_bytes()
    }
    /// `d/<id>/<height BE ‖ index BE>`: a dead letter.
    pub fn dead(id: &str, event: EventId) -> Vec<u8> {
        with_event(format!("d/{id}/"), event)
    }
    pub fn dead_prefix(id: &str) -> Vec<u8> {
        format!("d/{id}/").into_bytes()
    }
    /// `r/<id>/<height BE ‖ index BE>`: a dead letter the operator asked to send again.
    pub fn replay(id: &str, event: EventId) -> Vec<u8> {
        with_event(format!("r/{id}/"), event)
    }
    pub fn replay_prefix(id: &str) -> Vec<u8> {
        format!("r/{id}/").into_bytes()
    }

    fn with_event(prefix: String, event: EventId) -> Vec<u8> {
        let mut key = prefix.into_bytes();
        key.extend_from_slice(&encode_event(event));
        key
    }

    pub fn encode_event(event: EventId) -> [u8; 12] {
        let mut bytes = [0u8; 12];
        bytes[..8].copy_from_slice(&event.height.to_be_bytes());
        bytes[8..].copy_from_slice(&event.index.to_be_bytes());
        bytes
    }

    pub fn decode_event(bytes: &[u8]) -> Option<EventId> {
        let bytes: [u8; 12] = bytes.try_into().ok()?;
        Some(EventId {
            height: u64::from_be_bytes(bytes[..8].try_into().ok()?),
            index: u32::from_be_bytes(bytes[8..].try_into().ok()?),
        })
    }
}

/// A subscription's state, for `GET /v1/webhooks`.
#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub subscription: serde_json::Value,
    /// Every event through this one is handled.
    pub cursor: Option<String>,
    pub dead_letters: Vec<DeadLetter>,
    pub replays_queued: usize,
}

/// Dead letters and queued replays a status lists at most.
const STATUS_LETTERS_MAX: usize = 200;

/// The state of every subscription the node has run.
pub fn status(store: &Store) -> Result<Vec<Status>, StorageError> {
    let mut out = Vec::new();
    for (key, value) in store.webhooks_scan(keys::SUBSCRIPTIONS, SUBSCRIPTIONS_MAX * 4)? {
        let id = String::from_utf8_lossy(&key[keys::SUBSCRIPTIONS.len()..]).into_owned();
        let subscription = serde_json::from_slice(&value).unwrap_or(serde_json::Value::Null);
        let cursor = store
            .webhooks_get(&keys::cursor(&id))?
            .and_then(|b| keys::decode_event(&b))
            .map(|e| {
                if e.index == u32::MAX {
                    format!("{}-*", e.height)
                } else {
                    e.to_string()
                }
            });
        let dead_letters = store
            .webhooks_scan(&keys::dead_prefix(&id), STATUS_LETTERS_MAX)?
            .into_iter()
            .filter_map(|(_, v)| serde_json::from_slice(&v).ok())
            .collect();
        let replays_queued = store
            .webhooks_scan(&keys::replay_prefix(&id), STATUS_LETTERS_MAX)?
            .len();
        out.push(Status {
            subscription,
            cursor,
            dead_letters,
            replays_queued,
        });
    }
    Ok(out)
}

/// Queues every dead letter of subscription `id` to be sent again (at most
/// [`STATUS_LETTERS_MAX`] per call); how many were queued.
pub fn replay_dead_letters(store: &Store, id: &str) -> Result<usize, StorageError> {
    let letters = store.webhooks_scan(&keys::dead_prefix(id), STATUS_LETTERS_MAX)?;
    let prefix = keys::dead_prefix(id).len();
    let mut writes = Vec::new();
    for (key, value) in &letters {
        if let Some(event) = keys::decode_event(&key[prefix..]) {
            writes.push((keys::replay(id, event), Some(value.clone())));
            writes.push((key.clone(), None));
        }
    }
    store.webhooks_write(&writes)?;
    Ok(writes.len() / 2)
}

/// Whether the node has run a subscription `id`.
pub fn known(store: &Store, id: &str) -> Result<bool, StorageError> {
    Ok(store.webhooks_get(&keys::subscription(id))?.is_some())
}

/// The running workers; [`Webhooks::stop`] ends them.
#[derive(Debug)]
pub struct Webhooks {
    stop: Arc<AtomicBool>,
    threads: Vec<JoinHandle<()>>,
}

impl Webhooks {
    /// Starts one worker per subscription (after checking them all against the node's
    /// department). A subscription starting for the first time begins at the current tip.
    pub fn start(
        node: Arc<Node>,
        configs: Vec<WebhookConfig>,
        transport: Arc<dyn Transport>,
    ) -> anyhow::Result<Webhooks> {
        let own = node.own_department();
        check_all(&configs, own.as_deref()).map_err(|e| anyhow::anyhow!("{e}"))?;
        let stop = Arc::new(AtomicBool::new(false));
        let mut threads = Vec::new();
        for config in configs {
            worker::register(&node, &config)?;
            let worker = worker::Worker::new(node.clone(), config, transport.clone(), stop.clone());
            let name = format!("webhook-{}", worker.id());
            threads.push(
                std::thread::Builder::new()
                    .name(name)
                    .spawn(move || worker.run())?,
            );
        }
        Ok(Webhooks { stop, threads })
    }

    /// Asks the workers to stop and waits for them, at most `grace`: one in the middle of a
    /// request finishes it (its cursor does not move, so it is sent again after a restart).
    pub fn stop(self, grace: Duration) {
        self.stop.store(true, Ordering::Relaxed);
        let deadline = Instant::now() + grace;
        for thread in self.threads {
            while !thread.is_finished() && Instant::now() < deadline {
                std::thread::sleep(Duration::from_millis(20));
            }
            if thread.is_finished() {
                let _ = thread.join();
            }
        }
    }
}

/// A sample reminder, for `gongxin-node webhooks test`: a rectification task of `department`
/// due in a day.
pub fn sample_alert(department: &str, now_ms: u64) -> Alert {
    Alert {
        kind: AlertKind::RectificationDueSoon {
            task: "TEST-0001".into(),
            deadline_ms: now_ms + 86_400_000,
        },
        project: None,
        record: "rect/TEST-0001".into(),
        responsible_department: department.to_owned(),
        responsible_person: None,
        director: None,
        escalated_to: None,
        height: 0,
        time_ms: now_ms,
        message: "a test delivery from gongxin-node webhooks test".into(),
    }
}

/// Sends `alert` once to `config`'s receiver, as a delivery would (event id `0-0`); the answer.
pub fn send_once(
    config: &WebhookConfig,
    chain_id: &str,
    node: &str,
    alert: &Alert,
    now_ms: u64,
    transport: &dyn Transport,
) -> Result<Answer, String> {
    let digest = alert.digest();
    let delivery = payload::Delivery {
        chain_id,
        node,
        subscription: &config.id,
        event_id: "0-0",
        alert,
        digest: &digest,
    };
    let request = payload::request(
        config.format,
        &config.url,
        &config.secret,
        &config.phones,
        &delivery,
        now_ms,
    );
    transport.send(&request, Duration::from_millis(config.retry.timeout_ms))
}

/// Where a new subscription starts: after every event through the tip.
pub(crate) fn start_cursor(tip: u64) -> EventId {
    EventId {
        height: tip,
        index: u32::MAX,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn config() -> WebhookConfig {
        WebhookConfig {
            id: "eco-robot".into(),
            url: "https://oapi.dingtalk.com/robot/send?access_token=SECRET-TOKEN".into(),
            secret: "s".into(),
            format: Format::Dingtalk,
            kinds: vec![],
            departments: vec!["ecology".into()],
            phones: vec![],
            retry: RetryPolicy::default(),
        }
    }

    #[test]
    fn a_subscription_runs_only_on_its_departments_own_node_and_is_checked_whole() {
        assert_eq!(config().problem(Some("ecology")), None);
        let problem = |c: WebhookConfig, own: Option<&str>| c.problem(own).unwrap();
        assert!(problem(config(), Some("finance")).contains("not this node's"));
        assert!(problem(config(), None).contains("not a department's validator"));
        let mut c = config();
        c.url = "ftp://x".into();
        assert!(problem(c, Some("ecology")).contains("http"));
        let mut c = config();
        c.kinds = vec!["late".into()];
        assert!(problem(c, Some("ecology")).contains("not an alert kind"));
        let mut c = config();
        c.format = Format::SmsForm;
        assert!(problem(c, Some("ecology")).contains("phones"));
        let mut c = config();
        c.retry.attempts_max = 0;
        assert!(problem(c, Some("ecology")).contains("attempts_max"));
        let twice = vec![config(), config()];
        assert!(
            check_all(&twice, Some("ecology"))
                .unwrap_err()
                .contains("twice")
        );
        // The status shows neither the secret nor the robot's access token.
        let shown = config().redacted().to_string();
        assert!(
            !shown.contains("SECRET-TOKEN") && !shown.contains("\"s\""),
            "{shown}"
        );
    }

    #[test]
    fn keys_keep_event_order() {
        let a = keys::dead("x", EventId::block(2));
        let b = keys::dead("x", EventId::ledger(2, 0));
        let c = keys::dead("x", EventId::block(10));
        assert!(a < b && b < c);
        let prefix = keys::dead_prefix("x").len();
        assert_eq!(
            keys::decode_event(&b[prefix..]),
            Some(EventId::ledger(2, 0))
        );
    }
}
