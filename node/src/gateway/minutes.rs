//! `POST /v1/minutes/drafts?meeting_date=YYYY-MM-DD`: meeting minutes (UTF-8 text) in, draft
//! rectification tasks out ([`gongxin_minutes::extract`]), read against the ledger's own
//! dictionary: every department, every member (name, department, role, key) and the projects
//! the reader may read. It changes nothing and signs nothing: a person edits the drafts in the
//! console and signs each task as its own transaction. A signed request like every member read
//! (the signature covers method, path and query; the text rides in the body of the same TLS
//! exchange and only shapes the answer sent back to its signer).

use gongxin_contracts::access::Subject;
use gongxin_contracts::queries::{self, Page};
use gongxin_core::model::Role;
use gongxin_minutes::{DepartmentEntry, Dictionary, PersonEntry, ProjectEntry};
use warp::http::StatusCode;

use super::auth::Reader;
use super::error::{ApiError, ApiResult, json};
use super::ledger::Query;
use super::records::{project_filter, state_error};
use crate::node::Node;

/// The largest minutes accepted, in bytes (a long meeting's minutes are a few thousand
/// characters).
pub const MINUTES_BYTES_MAX: u64 = 64 * 1024;

const PAGE: usize = 500;

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Director => "director",
        Role::SectionChief => "section_chief",
        Role::Specialist => "specialist",
        Role::Auditor => "auditor",
    }
}

/// The dictionary `reader` may use: every department's name, the members of the departments
/// whose members the read table lets them see (every department for audit, their own for a
/// line department), and the projects they may read — so neither a draft nor the choices
/// name a member or project the reader could not look up.
fn dictionary(node: &Node, reader: &Reader) -> Result<Dictionary, ApiError> {
    let state = node.reader().state();
    let mut dict = Dictionary::default();
    for d in queries::departments(&state).map_err(state_error)? {
        if reader.may_read(&Subject::Department(d.department.id.clone())) {
            let members =
                every_page(|after| queries::members_of(&state, &d.department.id, after, PAGE))?;
            dict.people.extend(members.into_iter().map(|m| PersonEntry {
                name: m.member.name,
                department: m.member.department,
                role: role_name(m.member.role).to_owned(),
                public_key: m.member.public_key.to_string(),
            }));
        }
        dict.departments.push(DepartmentEntry {
            id: d.department.id,
            name: d.department.name,
            aliases: Vec::new(),
        });
    }
    // The project list's own filter: a line department's projects, or all.
    let filter = project_filter(reader, &Query::default())?;
    let projects = every_page(|after| queries::list_projects(&state, &filter, after, PAGE))?;
    dict.projects = projects
        .into_iter()
        .map(|p| ProjectEntry {
            id: p.id,
            name: p.name,
        })
        .collect();
    Ok(dict)
}

/// Every item of a paged query, page after page.
fn every_page<T>(
    mut read: impl FnMut(Option<&str>) -> Result<Page<T>, gongxin_contracts::StorageError>,
) -> Result<Vec<T>, ApiError> {
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    loop {
        let page = read(after.as_deref()).map_err(state_error)?;
        out.extend(page.items);
        match page.next {
            Some(next) => after = Some(next),
            None => return Ok(out),
        }
    }
}

/// `YYYY-MM-DD` → a CST day.
fn parse_date(text: &str) -> Option<gongxin_minutes::Day> {
    let mut parts = text.split('-');
    let year: i64 = parts.next()?.parse().ok()?;
    let month: u32 = parts.next()?.parse().ok()?;
    let day: u32 = parts.next()?.parse().ok()?;
    let valid = parts.next().is_none()
        && (0..=9999).contains(&year)
        && (1..=12).contains(&month)
        && (1..=31).contains(&day);
    let days = gongxin_core::calendar::days_from_civil(year, month, day);
    // 2026-02-30 would silently become 2 March: refuse what does not round-trip.
    (valid && gongxin_core::calendar::civil_from_days(days) == (year, month, day)).then_some(days)
}

/// The answer: the drafts, and the departments and members the console offers in its
/// department and person choices (the same dictionary the drafts were read with).
#[derive(serde::Serialize)]
struct Answer<'a> {
    #[serde(flatten)]
    extraction: gongxin_minutes::Extraction,
    departments: Vec<Named<'a>>,
    people: &'a [PersonEntry],
}

#[derive(serde::Serialize)]
struct Named<'a> {
    id: &'a str,
    name: &'a str,
}

/// The handler.
pub fn drafts(node: &Node, reader: &Reader, query: &Query, body: &[u8]) -> ApiResult {
    let text = std::str::from_utf8(body)
        .map_err(|_| ApiError::bad_request("bad_minutes", "the minutes must be UTF-8 text"))?;
    if text.trim().is_empty() {
        return Err(ApiError::bad_request(
            "bad_minutes",
            "the minutes are empty: paste or upload the text of the minutes",
        ));
    }
    let fallback = match query.get("meeting_date") {
        None => gongxin_minutes::day_of(node.clock.now_ms()),
        Some(text) => parse_date(text).ok_or_else(|| {
            ApiError::bad_request(
                "bad_query",
                format!("meeting_date must be a date like 2026-11-20, got {text:?}"),
            )
        })?,
    };
    let dict = dictionary(node, reader)?;
    let extraction = gongxin_minutes::extract(text, &dict, fallback);
    let departments = dict
        .departments
        .iter()
        .map(|d| Named {
            id: &d.id,
            name: &d.name,
        })
        .collect();
    Ok(json(
        StatusCode::OK,
        &Answer {
            extraction,
            departments,
            people: &dict.people,
        },
    ))
}

#[cfg(test)]
mod tests {
    use super::parse_date;

    #[test]
    fn meeting_dates_are_read_strictly() {
        assert_eq!(parse_date("2026-11-20"), Some(20_777));
        assert_eq!(parse_date("1969-12-31"), Some(-1));
        for bad in [
            "0000-00-00",
            "2026-02-30",
            "2026-13-01",
            "20261120",
            "2026-11-20-1",
            "",
        ] {
            assert_eq!(parse_date(bad), None, "{bad}");
        }
    }
}
