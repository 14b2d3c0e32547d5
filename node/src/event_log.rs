//! Durable event ids and the replay of missed events.
//!
//! Every event the node publishes has an id fixed by the chain, the same on every node: the
//! block's height and the event's place in it — 0 for the block itself, `i + 1` for the block's
//! ledger event `i` (its deadline sweep's alerts first, then each transaction's events, as the
//! rules raised them). Its text form `<height>-<index>` is the SSE `id`, so a subscriber that
//! reconnects with `Last-Event-ID` gets exactly what it missed: the ledger events come back from
//! the `events` column family (written in the block's own batch), the block events from the
//! headers.

use std::fmt;
use std::str::FromStr;

use gongxin_contracts::Event;

use crate::node::NodeEvent;
use crate::storage::{StorageError, Store, decode_stored};

/// Where an event sits in the chain's order of events.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct EventId {
    pub height: u64,
    /// 0: the block; `i + 1`: the block's ledger event `i`.
    pub index: u32,
}

impl EventId {
    pub const fn block(height: u64) -> EventId {
        EventId { height, index: 0 }
    }

    pub const fn ledger(height: u64, position: usize) -> EventId {
        EventId {
            height,
            index: position as u32 + 1,
        }
    }
}

impl fmt::Display for EventId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}", self.height, self.index)
    }
}

impl FromStr for EventId {
    type Err = String;

    fn from_str(text: &str) -> Result<EventId, String> {
        let bad = || format!("event id {text:?} is not <height>-<index>");
        let (height, index) = text.split_once('-').ok_or_else(bad)?;
        Ok(EventId {
            height: height.parse().map_err(|_| bad())?,
            index: index.parse().map_err(|_| bad())?,
        })
    }
}

/// A published event with its id.
#[derive(Debug, Clone)]
pub struct NumberedEvent {
    pub id: EventId,
    pub event: NodeEvent,
}

/// The node events of one committed block, numbered.
pub fn numbered(
    height: u64,
    block: NodeEvent,
    ledger: &[Event],
) -> impl Iterator<Item = NumberedEvent> + '_ {
    std::iter::once(NumberedEvent {
        id: EventId::block(height),
        event: block,
    })
    .chain(ledger.iter().enumerate().map(move |(i, e)| NumberedEvent {
        id: EventId::ledger(height, i),
        event: NodeEvent::Ledger(e.clone()),
    }))
}

/// What a replay found.
#[derive(Debug)]
pub enum Replay {
    /// Every event after the id, through the tip it saw, in order.
    Events(Vec<NumberedEvent>),
    /// The id is further back than the bounds (or ahead of this node's tip): the subscriber
    /// must reload what it shows and follow the live stream.
    TooFar { behind_blocks: u64 },
}

/// Bounds of one replay: blocks behind the tip, and events sent.
pub const REPLAY_BLOCKS_MAX: u64 = 2_000;
pub const REPLAY_EVENTS_MAX: usize = 20_000;

/// The events after `after`, from storage, through the tip height `tip`.
pub fn replay(store: &Store, after: EventId, tip: u64) -> Result<Replay, StorageError> {
    if after.height > tip {
        // An id from the future (a devnet started afresh, or a node that is behind): nothing
        // this node sent; the subscriber starts over from the live stream.
        return Ok(Replay::TooFar { behind_blocks: 0 });
    }
    let behind_blocks = tip - after.height;
    if behind_blocks > REPLAY_BLOCKS_MAX {
        return Ok(Replay::TooFar { behind_blocks });
    }
    let stored = store.events_range(after.height, tip, REPLAY_BLOCKS_MAX as usize + 1)?;
    let mut stored = stored.into_iter().peekable();
    let mut out = Vec::new();
    for height in after.height..=tip {
        let Some(header) = store.header(height)? else {
            continue;
        };
        let ledger: Vec<Event> = match stored.peek() {
            Some((h, _)) if *h == height => {
                let (_, bytes) = stored.next().expect("peeked");
                decode_stored("stored events", &bytes)?
            }
            _ => Vec::new(),
        };
        let block = NodeEvent::block(&header);
        out.extend(numbered(height, block, &ledger).filter(|e| e.id > after));
        if out.len() > REPLAY_EVENTS_MAX {
            return Ok(Replay::TooFar { behind_blocks });
        }
    }
    Ok(Replay::Events(out))
}

/// The ledger events after `after` in blocks up to `to`, at most `max_blocks` blocks ahead of
/// it, with the cursor that covers every block scanned (`(last height, u32::MAX)`): what a
/// reader that only wants ledger events (the webhook deliveries) pages through.
pub fn ledger_events_after(
    store: &Store,
    after: EventId,
    to: u64,
    max_blocks: u64,
) -> Result<(Vec<(EventId, Event)>, EventId), StorageError> {
    let end = to.min(after.height.saturating_add(max_blocks));
    if after.height > end || (after.height == end && after.index == u32::MAX) {
        return Ok((Vec::new(), after));
    }
    let mut out = Vec::new();
    let blocks = usize::try_from(end - after.height + 1).unwrap_or(usize::MAX);
    for (height, bytes) in store.events_range(after.height, end, blocks)? {
        let events: Vec<Event> = decode_stored("stored events", &bytes)?;
        for (i, event) in events.into_iter().enumerate() {
            let id = EventId::ledger(height, i);
            if id > after {
                out.push((id, event));
            }
        }
    }
    let cursor = EventId {
        height: end,
        index: u32::MAX,
    };
    Ok((out, cursor))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_order_by_height_then_place_and_round_trip_as_text() {
        let a = EventId::block(7);
        let b = EventId::ledger(7, 0);
        let c = EventId::block(8);
        assert!(a < b && b < c);
        assert_eq!(b.to_string(), "7-1");
        assert_eq!("7-1".parse::<EventId>().unwrap(), b);
        for bad in ["", "7", "7-", "-1", "x-1", "7-1-2", "7-99999999999"] {
            assert!(bad.parse::<EventId>().is_err(), "{bad:?}");
        }
    }
}
