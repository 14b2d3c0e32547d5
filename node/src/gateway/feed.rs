//! What the gateway's event feed carries: a node event with the records it concerns, resolved
//! once for every subscriber, and what each subscriber may see of it.

use std::sync::Arc;

use gongxin_contracts::access::Subject;
use warp::sse::Event;

use super::auth::Reader;
use crate::node::NodeEvent;

/// A node event with the records it concerns, resolved once for every subscriber.
#[derive(Debug)]
pub enum FeedItem {
    /// Blocks have no subjects and are every member's; a ledger event without subjects is
    /// shown to readers of everything only.
    Event {
        event: Arc<NodeEvent>,
        subjects: Vec<Subject>,
    },
    /// The feed fell behind the node by this many events.
    Lagged(u64),
}

impl FeedItem {
    pub fn visible_to(&self, reader: &Reader) -> bool {
        match self {
            FeedItem::Event { event, subjects } => match event.as_ref() {
                NodeEvent::Block { .. } => true,
                NodeEvent::Ledger(_) => {
                    reader.reads_everything() || subjects.iter().any(|s| reader.may_read(s))
                }
            },
            FeedItem::Lagged(_) => true,
        }
    }

    pub fn to_sse(&self) -> Option<Event> {
        match self {
            FeedItem::Event { event, .. } => {
                let name = match event.as_ref() {
                    NodeEvent::Block { .. } => "block",
                    NodeEvent::Ledger(gongxin_contracts::Event::Alert(_)) => "alert",
                    NodeEvent::Ledger(_) => "ledger",
                };
                Event::default().event(name).json_data(event.as_ref()).ok()
            }
            FeedItem::Lagged(missed) => {
                Some(Event::default().event("lagged").data(missed.to_string()))
            }
        }
    }
}
