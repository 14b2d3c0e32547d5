//! Record reads: the internal API (`/v1/projects`, `/v1/contracts`, `/v1/rectifications`,
//! `/v1/departments/{id}/approvals`), where every request is signed by a member's key, and the
//! public portal API (`/public/v1/...`), which needs no key.
//!
//! Records come back as `serde_json::Value`s, lists as [`Page`]s: this crate depends on
//! `gongxin-core` only, and the record types belong to the contracts. The gateway decides what a
//! member may see (audit everything; finance and planning every project; a line department its
//! own); a refusal is [`ClientError::Api`] with status 403 and code `forbidden`.
//!
//! **Signing.** A signed read covers the chain id, the method and the *exact* path-and-query
//! the gateway receives (`gongxin_core::request_auth`). [`PathAndQuery`] therefore builds the
//! request target once — ids checked against `[A-Za-z0-9._-]`, query values percent-encoded —
//! and that same string is both signed and sent, byte for byte. Ids are not percent-encoded
//! but refused when invalid: the gateway matches path segments without decoding them, so an
//! encoded id could never name a record.

use std::time::{SystemTime, UNIX_EPOCH};

use gongxin_core::crypto::Keypair;
use gongxin_core::model::is_valid_id;
pub use gongxin_core::request_auth::encode_query_component;
use gongxin_core::request_auth::{ReadRequest, new_nonce, sign_read_request};
use serde::{Deserialize, Serialize};
use serde_json::Value;

use crate::http::{ClientError, NodeClient};

/// Records per page at most: the node's bound.
pub use gongxin_core::api::PAGE_MAX;

/// Largest record answer accepted. A page holds at most 500 records, each with a few texts of
/// at most 4 KiB (names, notes); a project view holds a first page of its history, alerts,
/// rejections and open requests. 32 MiB is far above any real answer and still bounded.
const RECORD_RESPONSE_BYTES_MAX: u64 = 32 * 1024 * 1024;

/// One page of a list: the records, and the cursor to pass as `after` for the next page
/// (`None` at the end).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Page {
    pub items: Vec<Value>,
    pub next: Option<String>,
}

/// `GET /public/v1/projects`: a page of disclosed projects and how many match in all.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct PublicProjects {
    /// Disclosed projects matching the filter, on every page.
    pub total: u64,
    pub projects: Vec<Value>,
    pub next: Option<String>,
}

/// A list answer that continues on a later page.
pub trait Paged {
    /// The cursor of the next page, `None` at the end.
    fn next_cursor(&self) -> Option<&str>;
    /// Appends the records of the page that follows this one, and takes over its cursor.
    fn append(&mut self, later: Self);
}

impl Paged for Page {
    fn next_cursor(&self) -> Option<&str> {
        self.next.as_deref()
    }

    fn append(&mut self, later: Page) {
        self.items.extend(later.items);
        self.next = later.next;
    }
}

impl Paged for PublicProjects {
    fn next_cursor(&self) -> Option<&str> {
        self.next.as_deref()
    }

    fn append(&mut self, later: PublicProjects) {
        // `total` is counted afresh on each page; the latest count is the one that goes with
        // the records collected last.
        self.total = later.total;
        self.projects.extend(later.projects);
        self.next = later.next;
    }
}

/// Fetches the page after `after`, then the ones that follow, at most `pages_max` in all
/// (at least one). The answer holds every record fetched; its cursor is `None` when the list
/// was read to its end, otherwise where to continue. A node that answers the cursor it was
/// given is an error (its paging would never end).
pub fn fetch_pages<P: Paged>(
    after: Option<&str>,
    pages_max: usize,
    mut fetch: impl FnMut(Option<&str>) -> Result<P, ClientError>,
) -> Result<P, ClientError> {
    let mut all = fetch(after)?;
    let mut previous = after.map(str::to_owned);
    for _ in 1..pages_max {
        let Some(cursor) = all.next_cursor().map(str::to_owned) else {
            break;
        };
        if previous.as_deref() == Some(cursor.as_str()) {
            return Err(ClientError::StuckPaging { cursor });
        }
        let page = fetch(Some(&cursor))?;
        all.append(page);
        previous = Some(cursor);
    }
    if let Some(cursor) = all.next_cursor()
        && previous.as_deref() == Some(cursor)
    {
        return Err(ClientError::StuckPaging {
            cursor: cursor.to_owned(),
        });
    }
    Ok(all)
}

/// Filters of `GET /v1/projects` and `/public/v1/projects`; all given filters must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProjectFilter {
    /// Owner department id.
    pub department: Option<String>,
    /// A stage in snake_case (`in_progress`, `accepted`, ...).
    pub stage: Option<String>,
    /// Programme id (e.g. `SC-2026`).
    pub programme: Option<String>,
}

/// Filters of `GET /v1/rectifications`; all given filters must match.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RectificationFilter {
    /// `open`, `submitted`, `verified` or `reopened`.
    pub status: Option<String>,
    /// The department answering for the task.
    pub department: Option<String>,
    pub project: Option<String>,
    /// Only tasks awaiting the department whose deadline has passed.
    pub overdue: bool,
}

/// A request target (path and query) built from fixed parts, checked ids and encoded query
/// values: the exact string that is signed and sent.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PathAndQuery {
    text: String,
    has_query: bool,
}

impl PathAndQuery {
    /// Starts at a fixed path such as `/v1/projects`.
    pub fn new(path: &'static str) -> PathAndQuery {
        PathAndQuery {
            text: path.to_owned(),
            has_query: false,
        }
    }

    /// Appends `/{id}`; `what` names the id in the error when it is not a valid record id.
    pub fn id(mut self, what: &str, id: &str) -> Result<PathAndQuery, ClientError> {
        // "." and ".." are valid ids but dot segments to URL resolution; refusing them keeps
        // every intermediary from rewriting the path the signature covers.
        if !is_valid_id(id) || id == "." || id == ".." {
            return Err(ClientError::InvalidInput(format!(
                "{what} {id:?} is not a valid id (1 to 64 of A-Z a-z 0-9 . _ -)"
            )));
        }
        debug_assert!(!self.has_query, "path segments come before the query");
        self.text.push('/');
        self.text.push_str(id);
        Ok(self)
    }

    /// Appends a fixed path segment such as `history`.
    pub fn segment(mut self, segment: &'static str) -> PathAndQuery {
        debug_assert!(!self.has_query, "path segments come before the query");
        self.text.push('/');
        self.text.push_str(segment);
        self
    }

    /// Appends `name=value` to the query (percent-encoded); nothing when `value` is `None`.
    pub fn query(mut self, name: &'static str, value: Option<&str>) -> PathAndQuery {
        if let Some(value) = value {
            self.text.push(if self.has_query { '&' } else { '?' });
            self.text.push_str(&encode_query_component(name));
            self.text.push('=');
            self.text.push_str(&encode_query_component(value));
            self.has_query = true;
        }
        self
    }

    /// Appends `after` and `limit`; a limit outside 1..=[`PAGE_MAX`] is refused here, before
    /// anything is signed.
    pub fn paging(self, after: Option<&str>, limit: Option<u32>) -> Result<Self, ClientError> {
        if let Some(limit) = limit
            && !(1..=PAGE_MAX).contains(&limit)
        {
            return Err(ClientError::InvalidInput(format!(
                "a page holds 1 to {PAGE_MAX} records, not {limit}"
            )));
        }
        Ok(self
            .query("after", after)
            .query("limit", limit.map(|l| l.to_string()).as_deref()))
    }

    pub fn as_str(&self) -> &str {
        &self.text
    }
}

/// A member reading internal records: their key, the chain the signatures are bound to (from
/// the genesis, or the node's `/v1/status`) and the node they are meant for (its name, from
/// `/v1/status`): a signed read is accepted by that node only, and only once.
#[derive(Debug, Clone, Copy)]
pub struct Reader<'a> {
    key: &'a Keypair,
    chain_id: &'a str,
    node: &'a str,
}

impl<'a> Reader<'a> {
    pub fn new(key: &'a Keypair, chain_id: &'a str, node: &'a str) -> Reader<'a> {
        Reader {
            key,
            chain_id,
            node,
        }
    }

    /// The five `gongxin-*` headers of a `GET` of `target` at `timestamp_ms`, with a fresh
    /// nonce.
    pub fn sign_get(
        &self,
        target: &PathAndQuery,
        timestamp_ms: u64,
    ) -> Result<[(&'static str, String); 5], ClientError> {
        let nonce = new_nonce().map_err(|e| {
            ClientError::InvalidInput(format!("cannot make a nonce for a signed read: {e}"))
        })?;
        Ok(self.sign_get_with_nonce(target, timestamp_ms, &nonce))
    }

    /// [`Reader::sign_get`] with a given nonce.
    pub fn sign_get_with_nonce(
        &self,
        target: &PathAndQuery,
        timestamp_ms: u64,
        nonce: &str,
    ) -> [(&'static str, String); 5] {
        sign_read_request(
            self.key,
            &ReadRequest {
                chain_id: self.chain_id,
                node: self.node,
                method: "GET",
                path_and_query: target.as_str(),
                timestamp_ms,
                nonce,
            },
        )
    }
}

fn now_ms() -> u64 {
    // A clock before 1970 signs timestamp 0, which the gateway refuses as stale — the right
    // answer for a machine whose clock cannot be trusted.
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
}

/// The largest export file the client accepts (200,000 rows of a wide table fit).
pub const EXPORT_BYTES_MAX: u64 = 256 * 1024 * 1024;

/// Which alerts `NodeClient::alerts` lists: the reader's (no department) or a department's.
#[derive(Debug, Clone, Default)]
pub struct AlertFilter {
    pub department: Option<String>,
    /// Alert kinds by code (`rectification_overdue`, …); all when empty.
    pub kinds: Vec<String>,
    pub project: Option<String>,
    /// Only alerts nobody acknowledged yet.
    pub open_only: bool,
}

fn projects_target(
    path: &'static str,
    filter: &ProjectFilter,
    after: Option<&str>,
    limit: Option<u32>,
) -> Result<PathAndQuery, ClientError> {
    PathAndQuery::new(path)
        .query("department", filter.department.as_deref())
        .query("stage", filter.stage.as_deref())
        .query("programme", filter.programme.as_deref())
        .paging(after, limit)
}

impl NodeClient {
    /// A signed `GET` of `target` as `reader`, signed now. The string signed is the string
    /// sent: both are `target.as_str()`.
    pub fn get_signed<T: serde::de::DeserializeOwned>(
        &self,
        reader: &Reader<'_>,
        target: &PathAndQuery,
    ) -> Result<T, ClientError> {
        self.get_signed_limited(reader, target, RECORD_RESPONSE_BYTES_MAX)
    }

    /// [`NodeClient::get_signed`] with a response size limit.
    pub(crate) fn get_signed_limited<T: serde::de::DeserializeOwned>(
        &self,
        reader: &Reader<'_>,
        target: &PathAndQuery,
        limit: u64,
    ) -> Result<T, ClientError> {
        let headers = reader.sign_get(target, now_ms())?;
        self.get_json_with_headers(target.as_str(), &headers, limit)
    }

    fn get_public<T: serde::de::DeserializeOwned>(
        &self,
        target: &PathAndQuery,
    ) -> Result<T, ClientError> {
        self.get_json(target.as_str(), RECORD_RESPONSE_BYTES_MAX)
    }

    /// `GET /v1/projects?department=&stage=&programme=&after=&limit=`: project summaries in id
    /// order (a line department sees its own only).
    pub fn projects(
        &self,
        reader: &Reader<'_>,
        filter: &ProjectFilter,
        after: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Page, ClientError> {
        self.get_signed(
            reader,
            &projects_target("/v1/projects", filter, after, limit)?,
        )
    }

    /// `GET /v1/projects/{id}`: the record, totals (budget, committed, disbursed), procurement,
    /// contracts, and the first page of history, alerts, rejections and open requests.
    pub fn project(&self, reader: &Reader<'_>, id: &str) -> Result<Value, ClientError> {
        self.get_signed(
            reader,
            &PathAndQuery::new("/v1/projects").id("project", id)?,
        )
    }

    /// `GET /v1/projects/{id}/history?after=&limit=`, oldest first.
    pub fn project_history(
        &self,
        reader: &Reader<'_>,
        id: &str,
        after: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Page, ClientError> {
        self.project_list(reader, id, "history", after, limit)
    }

    /// `GET /v1/projects/{id}/alerts?after=&limit=`.
    pub fn project_alerts(
        &self,
        reader: &Reader<'_>,
        id: &str,
        after: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Page, ClientError> {
        self.project_list(reader, id, "alerts", after, limit)
    }

    /// The alerts addressed to the reader (`GET /v1/me/alerts`) or to a department
    /// (`GET /v1/departments/{id}/alerts`), filtered, oldest first; each with its digest (what
    /// `acknowledge_alert` names) and acknowledgements.
    pub fn alerts(
        &self,
        reader: &Reader<'_>,
        filter: &AlertFilter,
        after: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Page, ClientError> {
        let target = match &filter.department {
            None => PathAndQuery::new("/v1/me/alerts"),
            Some(d) => PathAndQuery::new("/v1/departments")
                .id("department", d)?
                .segment("alerts"),
        };
        let kinds = (!filter.kinds.is_empty()).then(|| filter.kinds.join(","));
        let target = target
            .query("kind", kinds.as_deref())
            .query("project", filter.project.as_deref())
            .query("state", filter.open_only.then_some("open"))
            .paging(after, limit)?;
        self.get_signed(reader, &target)
    }

    /// `GET /v1/exports/{table}?format=…&<filters>`: a spreadsheet file of the records the
    /// reader may see (`table`: projects, budget, disbursements, rectifications, history).
    pub fn export(
        &self,
        reader: &Reader<'_>,
        table: &str,
        format: &str,
        filters: &[(&'static str, Option<&str>)],
    ) -> Result<Vec<u8>, ClientError> {
        let mut target = PathAndQuery::new("/v1/exports")
            .id("export", table)?
            .query("format", Some(format));
        for (name, value) in filters {
            target = target.query(name, *value);
        }
        let headers = reader.sign_get(&target, now_ms())?;
        self.get_bytes_with_headers(target.as_str(), &headers, EXPORT_BYTES_MAX)
    }

    /// `GET /v1/projects/{id}/rejections?after=&limit=`: attempted irregularities on record.
    pub fn project_rejections(
        &self,
        reader: &Reader<'_>,
        id: &str,
        after: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Page, ClientError> {
        self.project_list(reader, id, "rejections", after, limit)
    }

    fn project_list(
        &self,
        reader: &Reader<'_>,
        id: &str,
        list: &'static str,
        after: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Page, ClientError> {
        let target = PathAndQuery::new("/v1/projects")
            .id("project", id)?
            .segment(list)
            .paging(after, limit)?;
        self.get_signed(reader, &target)
    }

    /// `GET /v1/projects/{id}/health?quarter=2026Q2` (the node's current quarter when `None`).
    pub fn project_health(
        &self,
        reader: &Reader<'_>,
        id: &str,
        quarter: Option<&str>,
    ) -> Result<Value, ClientError> {
        let target = PathAndQuery::new("/v1/projects")
            .id("project", id)?
            .segment("health")
            .query("quarter", quarter);
        self.get_signed(reader, &target)
    }

    /// `GET /v1/contracts/{id}`.
    pub fn contract(&self, reader: &Reader<'_>, id: &str) -> Result<Value, ClientError> {
        self.get_signed(
            reader,
            &PathAndQuery::new("/v1/contracts").id("contract", id)?,
        )
    }

    /// `GET /v1/contracts/{id}/disbursements?after=&limit=`.
    pub fn disbursements(
        &self,
        reader: &Reader<'_>,
        contract: &str,
        after: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Page, ClientError> {
        let target = PathAndQuery::new("/v1/contracts")
            .id("contract", contract)?
            .segment("disbursements")
            .paging(after, limit)?;
        self.get_signed(reader, &target)
    }

    /// `GET /v1/rectifications?status=&department=&project=&overdue=true&after=&limit=`
    /// (audit sees every task; others the ones their department answers for).
    pub fn rectifications(
        &self,
        reader: &Reader<'_>,
        filter: &RectificationFilter,
        after: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Page, ClientError> {
        let target = PathAndQuery::new("/v1/rectifications")
            .query("status", filter.status.as_deref())
            .query("department", filter.department.as_deref())
            .query("project", filter.project.as_deref())
            .query("overdue", filter.overdue.then_some("true"))
            .paging(after, limit)?;
        self.get_signed(reader, &target)
    }

    /// `GET /v1/departments/{id}/approvals?after=&limit=`: requests waiting for the department.
    pub fn department_approvals(
        &self,
        reader: &Reader<'_>,
        department: &str,
        after: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Page, ClientError> {
        let target = PathAndQuery::new("/v1/departments")
            .id("department", department)?
            .segment("approvals")
            .paging(after, limit)?;
        self.get_signed(reader, &target)
    }

    /// `GET /public/v1/projects?department=&stage=&programme=&after=&limit=`: disclosed fields
    /// of public projects, no key needed.
    pub fn public_projects(
        &self,
        filter: &ProjectFilter,
        after: Option<&str>,
        limit: Option<u32>,
    ) -> Result<PublicProjects, ClientError> {
        self.get_public(&projects_target(
            "/public/v1/projects",
            filter,
            after,
            limit,
        )?)
    }

    /// `GET /public/v1/projects/{id}`: a public project's disclosed view (404 for internal
    /// projects as for unknown ones).
    pub fn public_project(&self, id: &str) -> Result<Value, ClientError> {
        self.get_public(&PathAndQuery::new("/public/v1/projects").id("project", id)?)
    }

    /// `GET /public/v1/records/{kind}/{id}`: `{"kind","id","view","leaf_index"}`, a public
    /// record's current view and its latest leaf of the public disclosure log.
    pub fn public_record(&self, kind: &str, id: &str) -> Result<Value, ClientError> {
        self.get_public(
            &PathAndQuery::new("/public/v1/records")
                .id("record kind", kind)?
                .id("record", id)?,
        )
    }

    /// `GET /public/v1/rectifications?department=&after=&limit=`: disclosed fields of
    /// rectification tasks.
    pub fn public_rectifications(
        &self,
        department: Option<&str>,
        after: Option<&str>,
        limit: Option<u32>,
    ) -> Result<Page, ClientError> {
        let target = PathAndQuery::new("/public/v1/rectifications")
            .query("department", department)
            .paging(after, limit)?;
        self.get_public(&target)
    }
}

#[cfg(test)]
mod tests {
    use gongxin_core::crypto::{Algorithm, Signature};
    use gongxin_core::request_auth::{
        KEY_HEADER, NODE_HEADER, NONCE_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER,
        verify_read_request,
    };

    use super::*;

    #[test]
    fn query_values_are_percent_encoded_and_ids_are_checked() {
        assert_eq!(encode_query_component("SC-2026_a.b~"), "SC-2026_a.b~");
        assert_eq!(encode_query_component("a b&c=d/e?"), "a%20b%26c%3Dd%2Fe%3F");
        assert_eq!(encode_query_component("生态"), "%E7%94%9F%E6%80%81");
        assert_eq!(encode_query_component("100%+"), "100%25%2B");

        let target = PathAndQuery::new("/v1/projects")
            .query("department", Some("生态 环境"))
            .query("stage", None)
            .query("programme", Some("SC 2026"))
            .paging(Some("idx/p#1"), Some(500))
            .unwrap();
        assert_eq!(
            target.as_str(),
            "/v1/projects?department=%E7%94%9F%E6%80%81%20%E7%8E%AF%E5%A2%83\
             &programme=SC%202026&after=idx%2Fp%231&limit=500"
        );
        assert!(target.as_str().is_ascii());
        // What reaches the server is a valid request target as it stands.
        let url = format!("http://127.0.0.1:1{}", target.as_str());
        let uri: ureq::http::Uri = url.parse().unwrap();
        assert_eq!(uri.path_and_query().unwrap().as_str(), target.as_str());

        let path = PathAndQuery::new("/v1/projects")
            .id("project", "SC-2026-009")
            .unwrap()
            .segment("history")
            .paging(None, None)
            .unwrap();
        assert_eq!(path.as_str(), "/v1/projects/SC-2026-009/history");
        for bad in ["", "a b", "a/b", "..", ".", "生态", "x?y", &"a".repeat(65)] {
            let error = PathAndQuery::new("/v1/projects")
                .id("project", bad)
                .unwrap_err();
            assert!(matches!(error, ClientError::InvalidInput(_)), "{bad:?}");
        }
        for limit in [0, PAGE_MAX + 1] {
            assert!(matches!(
                PathAndQuery::new("/v1/projects").paging(None, Some(limit)),
                Err(ClientError::InvalidInput(_))
            ));
        }
    }

    #[test]
    fn the_signature_covers_exactly_the_encoded_target() {
        let key = Keypair::generate(Algorithm::Sm2).unwrap();
        let reader = Reader::new(&key, "gongxin-devnet", "finance");
        let target = PathAndQuery::new("/v1/rectifications")
            .query("department", Some("生态 环境"))
            .query("overdue", Some("true"));
        let headers = reader.sign_get(&target, 1_700_000_000_000).unwrap();
        let header = |name: &str| {
            headers
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, v)| v.clone())
                .unwrap()
        };
        assert_eq!(header(KEY_HEADER), key.public_key().to_string());
        assert_eq!(header(TIMESTAMP_HEADER), "1700000000000");
        assert_eq!(header(NODE_HEADER), "finance");
        let nonce = header(NONCE_HEADER);
        let signature: Signature = header(SIGNATURE_HEADER).parse().unwrap();
        let verify = |path: &str| {
            verify_read_request(
                &key.public_key(),
                &signature,
                &ReadRequest {
                    chain_id: "gongxin-devnet",
                    node: "finance",
                    method: "GET",
                    path_and_query: path,
                    timestamp_ms: 1_700_000_000_000,
                    nonce: &nonce,
                },
            )
        };
        assert!(verify(target.as_str()));
        // Not the decoded form, nor any other spelling of the same query.
        assert!(!verify(
            "/v1/rectifications?department=生态 环境&overdue=true"
        ));
        assert!(!verify(
            "/v1/rectifications?overdue=true&department=%E7%94%9F%E6%80%81%20%E7%8E%AF%E5%A2%83"
        ));
        // Each signing takes a fresh nonce.
        let again = reader.sign_get(&target, 1_700_000_000_000).unwrap();
        assert_ne!(again[3].1, nonce);
    }

    fn page(items: &[u64], next: Option<&str>) -> Page {
        Page {
            items: items.iter().map(|&i| Value::from(i)).collect(),
            next: next.map(str::to_owned),
        }
    }

    #[test]
    fn fetching_pages_follows_cursors_within_the_bound() {
        let pages = |after: Option<&str>| {
            Ok(match after {
                None => page(&[1, 2], Some("b")),
                Some("b") => page(&[3, 4], Some("d")),
                Some("d") => page(&[5], None),
                other => panic!("unexpected cursor {other:?}"),
            })
        };
        let all = fetch_pages(None, 10, pages).unwrap();
        assert_eq!(all, page(&[1, 2, 3, 4, 5], None));
        // Cut short: the records so far and where to continue.
        let some = fetch_pages(None, 2, pages).unwrap();
        assert_eq!(some, page(&[1, 2, 3, 4], Some("d")));
        let rest = fetch_pages(Some("d"), 2, pages).unwrap();
        assert_eq!(rest, page(&[5], None));

        let stuck = fetch_pages(Some("x"), 10, |_| Ok(page(&[1], Some("x")))).unwrap_err();
        assert!(matches!(stuck, ClientError::StuckPaging { .. }), "{stuck}");
    }
}
