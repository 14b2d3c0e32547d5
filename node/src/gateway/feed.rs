//! What the gateway's event feed carries: a numbered node event with the records it concerns
//! (and, for an alert, the persons it names), resolved once for every subscriber; what each
//! subscriber may see of it; and the filters a subscriber asks for.

use std::sync::Arc;

use gongxin_contracts::access::{self, Subject};
use gongxin_contracts::{AlertKind, Event as LedgerEvent, State, StorageError};
use gongxin_core::crypto::PublicKey;
use warp::sse::Event;

use super::auth::Reader;
use super::error::ApiError;
use super::ledger::Query;
use crate::event_log::NumberedEvent;
use crate::node::NodeEvent;

/// A node event with the records it concerns, resolved once for every subscriber.
#[derive(Debug)]
pub enum FeedItem {
    /// Blocks have no subjects and are every member's; a ledger event without subjects is
    /// shown to readers of everything only.
    Event {
        event: Arc<NumberedEvent>,
        subjects: Vec<Subject>,
        /// For an alert: the persons (first keys) it names, for `mine`.
        persons: Vec<PublicKey>,
    },
    /// The feed fell behind the node by this many events.
    Lagged(u64),
    /// A resuming subscriber asked for more than a replay may send.
    Reset { behind_blocks: u64 },
}

/// The records a node event concerns and, for an alert, the persons it names.
pub fn resolve(
    state: &dyn State,
    event: &NodeEvent,
) -> Result<(Vec<Subject>, Vec<PublicKey>), StorageError> {
    match event {
        NodeEvent::Block { .. } => Ok((Vec::new(), Vec::new())),
        NodeEvent::Ledger(ledger) => {
            let subjects = access::event_subjects(state, ledger)?;
            let persons = match ledger {
                LedgerEvent::Alert(alert) => {
                    gongxin_contracts::queries::alert_persons(state, alert)?
                }
                _ => Vec::new(),
            };
            Ok((subjects, persons))
        }
    }
}

impl FeedItem {
    pub fn visible_to(&self, reader: &Reader) -> bool {
        match self {
            FeedItem::Event {
                event, subjects, ..
            } => match &event.event {
                NodeEvent::Block { .. } => true,
                NodeEvent::Ledger(_) => {
                    reader.reads_everything() || subjects.iter().any(|s| reader.may_read(s))
                }
            },
            FeedItem::Lagged(_) | FeedItem::Reset { .. } => true,
        }
    }

    /// The SSE event name: `block`, `alert`, `ledger` (or `lagged`, `reset`).
    fn name(&self) -> &'static str {
        match self {
            FeedItem::Event { event, .. } => match &event.event {
                NodeEvent::Block { .. } => "block",
                NodeEvent::Ledger(LedgerEvent::Alert(_)) => "alert",
                NodeEvent::Ledger(_) => "ledger",
            },
            FeedItem::Lagged(_) => "lagged",
            FeedItem::Reset { .. } => "reset",
        }
    }

    pub fn to_sse(&self) -> Option<Event> {
        match self {
            FeedItem::Event { event, .. } => Event::default()
                .id(event.id.to_string())
                .event(self.name())
                .json_data(&event.event)
                .ok(),
            // The number of missed events; the subscriber reconnects with Last-Event-ID.
            FeedItem::Lagged(missed) => {
                Some(Event::default().event("lagged").data(missed.to_string()))
            }
            // Further back than a resume replays: reload what is shown and follow from here.
            FeedItem::Reset { behind_blocks } => Event::default()
                .event("reset")
                .json_data(serde_json::json!({ "behind_blocks": behind_blocks }))
                .ok(),
        }
    }
}

/// What a subscriber asked to hear: `types` (of `block`, `alert`, `ledger`; all by default),
/// `kinds` (alert kinds by code), `projects` (events naming one of them; blocks pass), `mine`
/// (alerts only, and only those naming the reader).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct StreamFilter {
    pub types: Option<Vec<&'static str>>,
    pub kinds: Vec<String>,
    pub projects: Vec<String>,
    pub mine: bool,
}

const TYPES: [&str; 3] = ["block", "alert", "ledger"];

/// A comma-separated list parameter; an empty item (`types=`, `kinds=a,,b`) is an error.
fn list(query: &Query, name: &str) -> Result<Vec<String>, ApiError> {
    let Some(text) = query.get(name) else {
        return Ok(Vec::new());
    };
    let items: Vec<String> = text.split(',').map(str::to_owned).collect();
    if items.iter().any(String::is_empty) {
        return Err(ApiError::bad_request(
            "bad_query",
            format!("{name} has an empty item: {text:?}"),
        ));
    }
    Ok(items)
}

impl StreamFilter {
    pub fn from_query(query: &Query) -> Result<StreamFilter, ApiError> {
        let bad = |message: String| ApiError::bad_request("bad_query", message);
        let types = match query.get("types") {
            None => None,
            Some(_) => Some(
                list(query, "types")?
                    .iter()
                    .map(|t| {
                        TYPES
                            .iter()
                            .copied()
                            .find(|known| known == t)
                            .ok_or_else(|| {
                                bad(format!("type {t:?} is not one of {}", TYPES.join(", ")))
                            })
                    })
                    .collect::<Result<Vec<_>, _>>()?,
            ),
        };
        let kinds = list(query, "kinds")?;
        if let Some(k) = kinds
            .iter()
            .find(|k| !AlertKind::CODES.contains(&k.as_str()))
        {
            return Err(bad(format!(
                "kind {k:?} is not an alert kind; known: {}",
                AlertKind::CODES.join(", ")
            )));
        }
        let mine = match query.get("mine").map(String::as_str) {
            None | Some("0" | "false") => false,
            Some("1" | "true") => true,
            Some(other) => return Err(bad(format!("mine must be true or false, got {other:?}"))),
        };
        Ok(StreamFilter {
            types,
            kinds,
            projects: list(query, "projects")?,
            mine,
        })
    }

    /// Whether `item` (already visible to `reader`) is one the subscriber asked for.
    pub fn admits(&self, item: &FeedItem, reader: &Reader) -> bool {
        let FeedItem::Event { event, persons, .. } = item else {
            return true;
        };
        if let Some(types) = &self.types
            && !types.contains(&item.name())
        {
            return false;
        }
        let NodeEvent::Ledger(ledger) = &event.event else {
            return true;
        };
        if !self.projects.is_empty()
            && !ledger
                .project()
                .is_some_and(|p| self.projects.iter().any(|wanted| wanted == p))
        {
            return false;
        }
        match ledger {
            LedgerEvent::Alert(alert) => {
                (self.kinds.is_empty() || self.kinds.iter().any(|k| k == alert.kind.code()))
                    && (!self.mine || persons.contains(&reader.member.person))
            }
            _ => !self.mine && self.kinds.is_empty(),
        }
    }
}
