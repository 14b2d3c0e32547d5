//! One subscription's delivery loop: replays the operator asked for first, then the chain's
//! events after the cursor, each wanted alert delivered with retries or dead-lettered before
//! the cursor moves past it.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use gongxin_contracts::{Alert, Event};
use serde::{Deserialize, Serialize};

use super::payload::{self, Delivery};
use super::{Answer, Format, Transport, WebhookConfig, keys, start_cursor};
use crate::event_log::{EventId, ledger_events_after};
use crate::node::Node;
use crate::storage::StorageError;

/// Blocks read per pass.
const BLOCKS_PER_PASS: u64 = 256;
/// How often an idle worker looks for new blocks.
const IDLE_POLL: Duration = Duration::from_millis(200);
/// How long a worker waits after a storage error before trying again.
const STORAGE_RETRY: Duration = Duration::from_secs(1);

/// What one attempt's answer means.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Worth another attempt: no answer, 408, 425, 429, 5xx.
    Retry(String),
    /// Another attempt would get the same answer: any other status.
    Permanent(String),
}

/// What an answer means for `format`. 钉钉 and 企业微信 robots answer 200 and say in the body
/// (`errcode`, 0 = taken) whether they took the message: their rate limits are retried, their
/// other refusals (bad signature, missing keyword, bad token) are refused for good.
pub fn classify(format: Format, answer: &Result<Answer, String>) -> Outcome {
    let answer = match answer {
        Ok(answer) => answer,
        Err(e) => return Outcome::Retry(e.clone()),
    };
    match answer.status {
        200..=299 => {}
        status @ (408 | 425 | 429 | 500..=599) => return Outcome::Retry(format!("HTTP {status}")),
        status => return Outcome::Permanent(format!("HTTP {status}")),
    }
    if !matches!(format, Format::Dingtalk | Format::Wecom) {
        return Outcome::Delivered;
    }
    let Ok(body) = serde_json::from_str::<serde_json::Value>(&answer.body) else {
        return Outcome::Delivered;
    };
    match body.get("errcode").and_then(serde_json::Value::as_i64) {
        None | Some(0) => Outcome::Delivered,
        Some(code) => {
            let message = body
                .get("errmsg")
                .and_then(serde_json::Value::as_str)
                .unwrap_or("");
            let said = format!("robot errcode {code}: {message}");
            // 钉钉 130101: sending too fast; 企业微信 45009: over the API frequency.
            if matches!(code, 130_101 | 45_009) {
                Outcome::Retry(said)
            } else {
                Outcome::Permanent(said)
            }
        }
    }
}

/// A delivery that did not succeed, kept for the operator.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DeadLetter {
    pub event_id: String,
    pub kind: String,
    pub responsible_department: String,
    pub attempts: u32,
    pub last_error: String,
    pub first_attempt_ms: u64,
    pub last_attempt_ms: u64,
    pub alert: Alert,
}

fn now_ms() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

/// Records the subscription (redacted) so the status endpoint lists it, and gives a new one its
/// starting cursor: the tip, so a subscription added to a long-running node does not replay
/// years of alerts.
pub(super) fn register(node: &Node, config: &WebhookConfig) -> Result<(), StorageError> {
    let store = node.store();
    let mut writes = vec![(
        keys::subscription(&config.id),
        Some(config.redacted().to_string().into_bytes()),
    )];
    if store.webhooks_get(&keys::cursor(&config.id))?.is_none() {
        let cursor = start_cursor(node.tip().height());
        writes.push((
            keys::cursor(&config.id),
            Some(keys::encode_event(cursor).to_vec()),
        ));
    }
    store.webhooks_write(&writes)
}

/// Why a delivery ended without success.
enum Failed {
    /// Dead-lettered, with the attempts made and the last error.
    Dead(u32, String),
    /// The node is stopping: nothing is recorded and the cursor stays.
    Stopping,
}

pub(super) struct Worker {
    node: Arc<Node>,
    config: WebhookConfig,
    transport: Arc<dyn Transport>,
    stop: Arc<AtomicBool>,
}

impl Worker {
    pub fn new(
        node: Arc<Node>,
        config: WebhookConfig,
        transport: Arc<dyn Transport>,
        stop: Arc<AtomicBool>,
    ) -> Worker {
        Worker {
            node,
            config,
            transport,
            stop,
        }
    }

    pub fn id(&self) -> &str {
        &self.config.id
    }

    fn stopping(&self) -> bool {
        self.stop.load(Ordering::Relaxed)
    }

    /// Sleeps `d` in short steps; false if the node began stopping meanwhile.
    fn pause(&self, d: Duration) -> bool {
        let step = Duration::from_millis(50);
        let mut left = d;
        while !left.is_zero() {
            if self.stopping() {
                return false;
            }
            let now = left.min(step);
            std::thread::sleep(now);
            left -= now;
        }
        !self.stopping()
    }

    pub fn run(self) {
        while !self.stopping() {
            match self.pass() {
                Ok(true) => {}
                Ok(false) => {
                    self.pause(IDLE_POLL);
                }
                Err(e) => {
                    tracing::error!(webhook = %self.config.id, error = %e, "webhook deliveries could not read the node's storage");
                    self.pause(STORAGE_RETRY);
                }
            }
        }
    }

    /// One pass: a queued replay, or the next events. Whether it found work.
    fn pass(&self) -> Result<bool, StorageError> {
        let store = self.node.store();
        let id = &self.config.id;
        if let Some((key, value)) = store
            .webhooks_scan(&keys::replay_prefix(id), 1)?
            .into_iter()
            .next()
        {
            let Ok(letter) = serde_json::from_slice::<DeadLetter>(&value) else {
                store.webhooks_write(&[(key, None)])?;
                return Ok(true);
            };
            let event = keys::decode_event(&key[keys::replay_prefix(id).len()..])
                .unwrap_or(EventId::block(0));
            match self.deliver(event, &letter.alert) {
                Ok(()) => store.webhooks_write(&[(key, None)])?,
                Err(Failed::Dead(attempts, error)) => {
                    let letter = DeadLetter {
                        attempts: letter.attempts + attempts,
                        last_error: error,
                        last_attempt_ms: now_ms(),
                        ..letter
                    };
                    self.bury(event, letter, Some(key))?;
                }
                Err(Failed::Stopping) => {}
            }
            return Ok(true);
        }

        let cursor = store
            .webhooks_get(&keys::cursor(id))?
            .and_then(|b| keys::decode_event(&b))
            .unwrap_or_else(|| start_cursor(self.node.tip().height()));
        let tip = self.node.tip().height();
        let (events, scanned) = ledger_events_after(store, cursor, tip, BLOCKS_PER_PASS)?;
        if scanned == cursor {
            return Ok(false);
        }
        for (event, ledger) in events {
            if let Event::Alert(alert) = &ledger
                && self.config.wants(alert)
            {
                let first_attempt_ms = now_ms();
                match self.deliver(event, alert) {
                    Ok(()) => {}
                    Err(Failed::Dead(attempts, last_error)) => {
                        let letter = DeadLetter {
                            event_id: event.to_string(),
                            kind: alert.kind.code().to_owned(),
                            responsible_department: alert.responsible_department.clone(),
                            attempts,
                            last_error,
                            first_attempt_ms,
                            last_attempt_ms: now_ms(),
                            alert: alert.clone(),
                        };
                        self.bury(event, letter, None)?;
                    }
                    Err(Failed::Stopping) => return Ok(true),
                }
                self.save_cursor(event)?;
            }
        }
        self.save_cursor(scanned)?;
        Ok(true)
    }

    fn save_cursor(&self, event: EventId) -> Result<(), StorageError> {
        self.node.store().webhooks_write(&[(
            keys::cursor(&self.config.id),
            Some(keys::encode_event(event).to_vec()),
        )])
    }

    /// Puts a failed delivery in the dead letters (removing its replay entry, if it was one).
    fn bury(
        &self,
        event: EventId,
        letter: DeadLetter,
        replay_key: Option<Vec<u8>>,
    ) -> Result<(), StorageError> {
        tracing::warn!(webhook = %self.config.id, event = %event, attempts = letter.attempts, error = %letter.last_error, "webhook delivery failed; kept in the dead letters");
        let bytes = serde_json::to_vec(&letter).unwrap_or_default();
        let mut writes = vec![(keys::dead(&self.config.id, event), Some(bytes))];
        if let Some(key) = replay_key {
            writes.push((key, None));
        }
        self.node.store().webhooks_write(&writes)
    }

    /// Sends the alert until it is delivered, refused for good, or out of attempts.
    fn deliver(&self, event: EventId, alert: &Alert) -> Result<(), Failed> {
        let c = &self.config;
        let digest = alert.digest();
        let event_id = event.to_string();
        let delivery = Delivery {
            chain_id: self.node.chain_id(),
            node: &self.node.name,
            subscription: &c.id,
            event_id: &event_id,
            alert,
            digest: &digest,
        };
        let mut delay = Duration::from_millis(c.retry.first_delay_ms);
        let mut last_error = String::new();
        for attempt in 1..=c.retry.attempts_max {
            if self.stopping() {
                return Err(Failed::Stopping);
            }
            let request =
                payload::request(c.format, &c.url, &c.secret, &c.phones, &delivery, now_ms());
            let answer = self
                .transport
                .send(&request, Duration::from_millis(c.retry.timeout_ms));
            match classify(c.format, &answer) {
                Outcome::Delivered => return Ok(()),
                Outcome::Permanent(e) => return Err(Failed::Dead(attempt, e)),
                Outcome::Retry(e) => last_error = e,
            }
            if attempt < c.retry.attempts_max {
                if !self.pause(delay) {
                    return Err(Failed::Stopping);
                }
                delay = (delay * 2).min(Duration::from_millis(c.retry.max_delay_ms));
            }
        }
        Err(Failed::Dead(c.retry.attempts_max, last_error))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn answers_are_delivered_retried_or_refused_for_good() {
        let ok = |status: u16, body: &str| -> Result<Answer, String> {
            Ok(Answer {
                status,
                body: body.to_owned(),
            })
        };
        assert_eq!(classify(Format::Generic, &ok(200, "")), Outcome::Delivered);
        assert_eq!(classify(Format::Generic, &ok(204, "")), Outcome::Delivered);
        for status in [408, 425, 429, 500, 502, 503] {
            assert!(
                matches!(
                    classify(Format::Generic, &ok(status, "")),
                    Outcome::Retry(_)
                ),
                "{status}"
            );
        }
        for status in [301, 400, 401, 403, 404, 410] {
            assert!(
                matches!(
                    classify(Format::Generic, &ok(status, "")),
                    Outcome::Permanent(_)
                ),
                "{status}"
            );
        }
        assert!(matches!(
            classify(Format::Generic, &Err("connection refused".into())),
            Outcome::Retry(_)
        ));
        // Robots say in a 200's body whether they took the message.
        let robot = |body: &str| classify(Format::Dingtalk, &ok(200, body));
        assert_eq!(robot(r#"{"errcode":0,"errmsg":"ok"}"#), Outcome::Delivered);
        assert!(matches!(
            robot(r#"{"errcode":130101,"errmsg":"send too fast"}"#),
            Outcome::Retry(_)
        ));
        assert_eq!(
            robot(r#"{"errcode":310000,"errmsg":"sign not match"}"#),
            Outcome::Permanent("robot errcode 310000: sign not match".into())
        );
        assert!(matches!(
            classify(
                Format::Wecom,
                &ok(200, r#"{"errcode":45009,"errmsg":"api freq out of limit"}"#)
            ),
            Outcome::Retry(_)
        ));
        // A JSON receiver's body is its own business.
        assert_eq!(
            classify(Format::Generic, &ok(200, r#"{"errcode":1}"#)),
            Outcome::Delivered
        );
    }
}
