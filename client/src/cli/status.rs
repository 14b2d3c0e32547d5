//! `status`: the node's chain, height, log size and mempool.

use std::process::ExitCode;

use anyhow::Result;

use super::session::Session;
use gongxin_client::http::NodeStatus;

pub(super) fn status(cx: &Session) -> Result<ExitCode> {
    let client = cx.client()?;
    let status = client.status()?;
    cx.output
        .emit(&status, |status| text(status, client.base_url(), now_ms()))?;
    Ok(ExitCode::SUCCESS)
}

/// What `gongxin status` prints for `status`, fetched from `base_url` at `now_ms`.
fn text(status: &NodeStatus, base_url: &str, now_ms: u64) -> String {
    let age_s = now_ms.saturating_sub(status.last_block_time_ms) / 1000;
    let mut text = format!("node     {} at {base_url}\n", status.node);
    text.push_str(&format!(
        "chain    {} (genesis {})\n",
        status.chain_id, status.genesis_hash
    ));
    text.push_str(&format!(
        "height   {} (last block {}, {age_s} s ago)\n",
        status.height, status.last_block_hash
    ));
    text.push_str(&format!(
        "log      {} entries, root {}\n",
        status.log_size, status.log_root
    ));
    text.push_str(&format!(
        "mempool  {} transactions, {} bytes\n",
        status.mempool_txs, status.mempool_bytes
    ));
    text.push_str(&format!("uptime   {} s\n", status.uptime_s));
    if let Some(height) = status.signing_paused_through {
        text.push_str(&format!(
            "signing  paused: rebuilt by `gongxin-node resync`, it follows consensus and votes \
             again once height {height} is committed\n"
        ));
    }
    text
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}

#[cfg(test)]
mod tests {
    use gongxin_core::Hash;

    use super::*;

    fn status(paused: Option<u64>) -> NodeStatus {
        NodeStatus {
            chain_id: "gongxin-devnet".into(),
            node: "finance.validator.gongxin".into(),
            genesis_hash: Hash::digest(b"genesis"),
            height: 40,
            log_size: 900,
            log_root: Hash::digest(b"root"),
            last_block_hash: Hash::digest(b"block"),
            last_block_time_ms: 10_000,
            state_hash: Hash::digest(b"state"),
            mempool_txs: 3,
            mempool_bytes: 700,
            uptime_s: 12,
            signing_paused_through: paused,
        }
    }

    #[test]
    fn the_status_says_when_a_rebuilt_validator_is_not_signing_yet() {
        let signing = text(&status(None), "http://node", 15_000);
        assert!(signing.contains("height   40 (last block"), "{signing}");
        assert!(signing.contains(", 5 s ago)"), "{signing}");
        assert!(!signing.contains("signing"), "{signing}");
        let paused = text(&status(Some(57)), "http://node", 15_000);
        assert!(
            paused.contains("signing  paused: rebuilt by `gongxin-node resync`")
                && paused.contains("once height 57 is committed"),
            "{paused}"
        );
    }
}
