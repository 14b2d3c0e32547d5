//! `status`: the node's chain, height, log size and mempool.

use std::process::ExitCode;

use anyhow::Result;

use super::session::Session;

pub(super) fn status(cx: &Session) -> Result<ExitCode> {
    let client = cx.client()?;
    let status = client.status()?;
    cx.output.emit(&status, |status| {
        let age_s = now_ms().saturating_sub(status.last_block_time_ms) / 1000;
        let mut text = format!("node     {} at {}\n", status.node, client.base_url());
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
        text
    })?;
    Ok(ExitCode::SUCCESS)
}

fn now_ms() -> u64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_millis() as u64)
}
