//! Bounds of the HTTP API that the node enforces and clients rely on: one value for both sides,
//! so a client never asks for what the node refuses.

/// Records per page of a record list (`limit` of `/v1/projects`, histories, rectifications …).
pub const PAGE_MAX: u32 = 500;

/// Operation-log records per page of `GET /v1/access-log`.
pub const ACCESS_LOG_PAGE_MAX: u32 = 1_000;

/// Anchors per page of `GET /v1/access-log/anchors`.
pub const ANCHORS_PAGE_MAX: u32 = 1_000;

/// Transactions in one `POST /v1/txs/batch`.
pub const SUBMIT_BATCH_TXS_MAX: usize = 1_000;
