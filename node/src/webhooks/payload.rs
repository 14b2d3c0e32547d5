//! What one delivery sends: the request for an alert in a subscription's format, and the
//! headers that let the receiver check it. Pure: no clock (the caller passes the time), no I/O.
//!
//! Every request carries
//! - `gongxin-webhook`: the subscription id;
//! - `idempotency-key`: `<chain id>/<subscription>/<event id>` — the same on every retry, so a
//!   receiver that saw it already can drop a repeat (delivery is at least once);
//! - `gongxin-timestamp`: when it was sent (ms since the epoch);
//! - `gongxin-signature`: `v1=<hex HMAC-SM3(secret, timestamp ‖ "." ‖ body)>`.
//!
//! Bodies: `generic` is JSON (`id`, `subscription`, `chain_id`, `node`, `event_id`, `kind`,
//! `digest`, `text`, `alert`); `dingtalk` and `wecom` are the group robots' documented
//! `{"msgtype":"text","text":{"content":…}}` (钉钉 with its 加签 `timestamp`/`sign` query
//! parameters when a secret is set); `sms_form` is an SMS gateway's HTML form
//! (`mobile=<numbers, comma-separated>&content=<text>&id=<idempotency key>`).

use base64::Engine as _;
use gongxin_contracts::Alert;
use gongxin_core::Hash;
use gongxin_core::hash::hmac_sm3;
use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use super::text;

/// The shape of a subscription's requests.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Format {
    /// JSON with the whole alert.
    #[default]
    Generic,
    /// 钉钉 / 浙政钉 group robot.
    Dingtalk,
    /// 企业微信 group robot.
    Wecom,
    /// An SMS gateway's HTTP form.
    SmsForm,
}

/// One HTTP request to send.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Request {
    pub url: String,
    pub content_type: &'static str,
    pub headers: Vec<(&'static str, String)>,
    pub body: Vec<u8>,
}

/// What a delivery is about.
#[derive(Debug, Clone, Copy)]
pub struct Delivery<'a> {
    pub chain_id: &'a str,
    pub node: &'a str,
    pub subscription: &'a str,
    /// The event's id, `<height>-<index>`.
    pub event_id: &'a str,
    pub alert: &'a Alert,
    pub digest: &'a Hash,
}

impl Delivery<'_> {
    pub fn idempotency_key(&self) -> String {
        format!("{}/{}/{}", self.chain_id, self.subscription, self.event_id)
    }
}

/// `v1=<hex HMAC-SM3(secret, timestamp ‖ "." ‖ body)>`: what a receiver recomputes.
pub fn signature(secret: &[u8], timestamp_ms: u64, body: &[u8]) -> String {
    let mut message = timestamp_ms.to_string().into_bytes();
    message.push(b'.');
    message.extend_from_slice(body);
    format!("v1={}", hmac_sm3(secret, &message).to_hex())
}

/// HMAC-SHA256 (RFC 2104), for 钉钉's 加签.
fn hmac_sha256(key: &[u8], message: &[u8]) -> [u8; 32] {
    const BLOCK: usize = 64;
    let mut block = [0u8; BLOCK];
    if key.len() > BLOCK {
        block[..32].copy_from_slice(&Sha256::digest(key));
    } else {
        block[..key.len()].copy_from_slice(key);
    }
    let inner = Sha256::new()
        .chain_update(block.map(|b| b ^ 0x36))
        .chain_update(message)
        .finalize();
    Sha256::new()
        .chain_update(block.map(|b| b ^ 0x5c))
        .chain_update(inner)
        .finalize()
        .into()
}

/// Percent-encoding of a query or form value (RFC 3986 unreserved characters kept).
pub fn url_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for b in text.bytes() {
        if b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'~') {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// 钉钉's 加签: `&timestamp=<ms>&sign=<url-encoded base64 HMAC-SHA256(secret, "<ms>\n<secret>")>`.
pub fn dingtalk_sign_query(secret: &str, timestamp_ms: u64) -> String {
    let to_sign = format!("{timestamp_ms}\n{secret}");
    let sign = base64::engine::general_purpose::STANDARD
        .encode(hmac_sha256(secret.as_bytes(), to_sign.as_bytes()));
    format!("timestamp={timestamp_ms}&sign={}", url_encode(&sign))
}

fn with_query(url: &str, query: &str) -> String {
    let separator = if url.contains('?') { '&' } else { '?' };
    format!("{url}{separator}{query}")
}

/// The request that delivers `d` to `url` in `format`, signed with `secret`, sent at `now_ms`.
pub fn request(
    format: Format,
    url: &str,
    secret: &str,
    phones: &[String],
    d: &Delivery<'_>,
    now_ms: u64,
) -> Request {
    let said = text::alert_zh(d.alert);
    let headline = format!("【公信链】{said}");
    let (url, content_type, body) = match format {
        Format::Generic => {
            let body = serde_json::json!({
                "id": d.idempotency_key(),
                "subscription": d.subscription,
                "chain_id": d.chain_id,
                "node": d.node,
                "event_id": d.event_id,
                "kind": d.alert.kind.code(),
                "digest": d.digest,
                "text": said,
                "alert": d.alert,
            });
            (url.to_owned(), "application/json", body.to_string())
        }
        Format::Dingtalk => {
            let body = serde_json::json!({
                "msgtype": "text",
                "text": { "content": headline },
            });
            let url = if secret.is_empty() {
                url.to_owned()
            } else {
                with_query(url, &dingtalk_sign_query(secret, now_ms))
            };
            (url, "application/json", body.to_string())
        }
        Format::Wecom => {
            let body = serde_json::json!({
                "msgtype": "text",
                "text": { "content": headline },
            });
            (url.to_owned(), "application/json", body.to_string())
        }
        Format::SmsForm => {
            let body = format!(
                "mobile={}&content={}&id={}",
                url_encode(&phones.join(",")),
                url_encode(&headline),
                url_encode(&d.idempotency_key())
            );
            (url.to_owned(), "application/x-www-form-urlencoded", body)
        }
    };
    let body = body.into_bytes();
    let headers = vec![
        ("gongxin-webhook", d.subscription.to_owned()),
        ("idempotency-key", d.idempotency_key()),
        ("gongxin-timestamp", now_ms.to_string()),
        (
            "gongxin-signature",
            signature(secret.as_bytes(), now_ms, &body),
        ),
    ];
    Request {
        url,
        content_type,
        headers,
        body,
    }
}

#[cfg(test)]
mod tests {
    use gongxin_contracts::AlertKind;

    use super::*;

    fn alert() -> Alert {
        Alert {
            kind: AlertKind::RectificationDueSoon {
                task: "HB-2026-002".into(),
                deadline_ms: 1_796_270_400_000,
            },
            project: None,
            record: "rect/HB-2026-002".into(),
            responsible_department: "ecology".into(),
            responsible_person: None,
            director: None,
            escalated_to: None,
            height: 7,
            time_ms: 1_796_270_400_000 - 26 * 3_600_000,
            message: "rectification \"HB-2026-002\" is due".into(),
        }
    }

    fn delivery<'a>(alert: &'a Alert, digest: &'a Hash) -> Delivery<'a> {
        Delivery {
            chain_id: "city",
            node: "ecology.validator",
            subscription: "eco-robot",
            event_id: "7-1",
            alert,
            digest,
        }
    }

    #[test]
    fn a_generic_delivery_is_the_alert_as_json_signed_with_hmac_sm3() {
        let a = alert();
        let digest = a.digest();
        let r = request(
            Format::Generic,
            "http://r/hook",
            "s3cret",
            &[],
            &delivery(&a, &digest),
            42,
        );
        let body: serde_json::Value = serde_json::from_slice(&r.body).unwrap();
        assert_eq!(body["id"], "city/eco-robot/7-1");
        assert_eq!(body["kind"], "rectification_due_soon");
        assert_eq!(body["digest"], digest.to_hex());
        assert_eq!(body["alert"]["record"], "rect/HB-2026-002");
        assert_eq!(
            body["text"],
            "整改任务 HB-2026-002 将于 2026-12-03 12:00 到期（剩余 1 天 2 小时），请 ecology 按期提交整改材料。"
        );
        let header = |name: &str| {
            r.headers
                .iter()
                .find(|(n, _)| *n == name)
                .unwrap()
                .1
                .clone()
        };
        assert_eq!(header("idempotency-key"), "city/eco-robot/7-1");
        assert_eq!(header("gongxin-timestamp"), "42");
        let mut signed = b"42.".to_vec();
        signed.extend_from_slice(&r.body);
        assert_eq!(
            header("gongxin-signature"),
            format!("v1={}", hmac_sm3(b"s3cret", &signed).to_hex())
        );
        assert_eq!(r.url, "http://r/hook");
    }

    #[test]
    fn robots_get_their_documented_text_message_and_dingtalk_its_signature() {
        let a = alert();
        let digest = a.digest();
        let d = delivery(&a, &digest);
        let ding = request(
            Format::Dingtalk,
            "https://oapi.dingtalk.com/robot/send?access_token=T",
            "SECabc",
            &[],
            &d,
            1_767_196_800_000,
        );
        let body: serde_json::Value = serde_json::from_slice(&ding.body).unwrap();
        assert_eq!(body["msgtype"], "text");
        assert!(
            body["text"]["content"]
                .as_str()
                .unwrap()
                .starts_with("【公信链】整改任务 HB-2026-002")
        );
        // Cross-checked with Python: base64(hmac.new(b"SECabc", b"1767196800000\nSECabc", sha256)).
        assert_eq!(
            ding.url,
            "https://oapi.dingtalk.com/robot/send?access_token=T&timestamp=1767196800000&sign=wR0hlZbpXibL14ds9x4yQ%2Bqzc274t9Nl4rJKAJSVdcM%3D"
        );
        let wecom = request(
            Format::Wecom,
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K",
            "",
            &[],
            &d,
            1,
        );
        let body: serde_json::Value = serde_json::from_slice(&wecom.body).unwrap();
        assert_eq!(body["msgtype"], "text");
        assert_eq!(
            wecom.url,
            "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=K"
        );
        let sms = request(
            Format::SmsForm,
            "http://sms/send",
            "k",
            &["13800000000".into(), "13900000000".into()],
            &d,
            1,
        );
        assert_eq!(sms.content_type, "application/x-www-form-urlencoded");
        let form = String::from_utf8(sms.body).unwrap();
        assert!(
            form.starts_with("mobile=13800000000%2C13900000000&content=%E3%80%90"),
            "{form}"
        );
        assert!(form.ends_with("&id=city%2Feco-robot%2F7-1"), "{form}");
    }
}
