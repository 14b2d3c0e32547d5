//! What the node-facing commands share: the node, its timeout and the output mode; the member
//! key that signs reads; and the hints added to a refused request's error.

use std::path::{Path, PathBuf};
use std::time::Duration;

use anyhow::{Context, Result};
use gongxin_client::http::{ClientError, NodeClient};
use gongxin_client::offline;
use gongxin_client::records::Reader;
use gongxin_core::crypto::Keypair;

use super::output::OutputMode;

/// The member key that signs an internal read.
#[derive(clap::Args)]
pub(super) struct KeyArg {
    /// The reader's key file; what it may read follows its member's department.
    #[arg(long)]
    pub(super) key: PathBuf,
}

/// What the node-facing commands share.
pub(super) struct Session {
    pub(super) output: OutputMode,
    pub(super) node: String,
    pub(super) http_timeout: Duration,
}

impl Session {
    pub(super) fn client(&self) -> Result<NodeClient> {
        Ok(NodeClient::with_timeout(&self.node, self.http_timeout)?)
    }

    /// What signed reads need: the node, the member's key, and the chain id the node serves
    /// (from `status`, as `submit` does, so a signature is never bound to the wrong chain).
    pub(super) fn member_reads(&self, key: &Path) -> Result<MemberReads> {
        let file = offline::load_key(key)?;
        let keypair = file
            .keypair()
            .with_context(|| format!("key file {} is not usable", key.display()))?;
        let client = self.client()?;
        let status = client
            .status()
            .context("cannot learn the chain id and node name the reads are signed for")?;
        Ok(MemberReads {
            client,
            keypair,
            chain_id: status.chain_id,
            node: status.node,
        })
    }
}

/// A client, a member's key, the chain id and the node's name: everything a signed read needs.
pub(super) struct MemberReads {
    pub(super) client: NodeClient,
    keypair: Keypair,
    chain_id: String,
    pub(super) node: String,
}

impl MemberReads {
    pub(super) fn reader(&self) -> Reader<'_> {
        Reader::new(&self.keypair, &self.chain_id, &self.node)
    }
}

/// A read's error, with what to do about it when the gateway's code says.
pub(super) fn refused_with_hint<T>(result: std::result::Result<T, ClientError>) -> Result<T> {
    result.map_err(|e| {
        let hint = read_hint(&e);
        with_hint(e, hint)
    })
}

/// What to do about a refused read, when the gateway's code says.
fn read_hint(error: &ClientError) -> Option<&'static str> {
    match error.code()? {
        "stale_request" => Some(
            "the signature's time is too far from the node's clock: check this machine's clock",
        ),
        "not_a_member" => {
            Some("the key is not a current member of this chain; use your member key file")
        }
        "bad_signature" => Some(
            "the signature covers the request exactly as sent; something between here and the \
             node (a proxy?) changed it",
        ),
        _ => None,
    }
}

/// The error, followed by what to do about it when we know.
pub(super) fn with_hint(error: ClientError, hint: Option<&str>) -> anyhow::Error {
    match hint {
        Some(hint) => anyhow::anyhow!("{error}\n  hint: {hint}"),
        None => error.into(),
    }
}
