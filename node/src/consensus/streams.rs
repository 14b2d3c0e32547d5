//! Streams of parts: cutting a message into numbered stream messages, and reassembling it on
//! the other side.
//!
//! A stream is identified by its publisher and its stream id. Its data parts are numbered
//! `0..fin` and a `Fin` message numbered `fin` closes it; the parts may arrive in any order,
//! through any peer. [`StreamBuffers`] keeps the open streams and yields a stream's parts, in
//! order, once all of them are present.
//!
//! Every peer can open streams, so what one peer makes this node hold is bounded: at most a
//! fixed number of open streams per publisher (opening one more drops the oldest) and a
//! caller-given bound on sequence numbers (a message numbered beyond it is refused before it
//! opens a stream), hence at most streams × sequences parts per publisher.
//!
//! What a complete stream costs is bounded too: the application checks its signature, so
//! the application lets each publisher make this node check at most so many complete streams
//! per second (a [`crate::rate::RateLimiter`] by peer).
//!
//! This unit knows nothing of what the parts mean; the application checks that the parts it
//! gets back form a proposal.

use std::collections::{BTreeMap, HashMap};
use std::hash::Hash;

use malachitebft_engine::util::streaming::{StreamContent, StreamId, StreamMessage};

/// The messages that stream `parts` under `stream_id`: the parts numbered from 0, then `Fin`
/// numbered after the last part (the shape `StreamBuffers::receive` reassembles).
pub(super) fn stream_messages<T>(stream_id: StreamId, parts: Vec<T>) -> Vec<StreamMessage<T>> {
    let count = parts.len() as u64;
    let mut messages: Vec<StreamMessage<T>> = parts
        .into_iter()
        .enumerate()
        .map(|(sequence, part)| {
            StreamMessage::new(
                stream_id.clone(),
                sequence as u64,
                StreamContent::Data(part),
            )
        })
        .collect();
    messages.push(StreamMessage::new(stream_id, count, StreamContent::Fin));
    messages
}

/// Parts of one stream, by sequence number.
#[derive(Debug)]
struct PartialStream<T> {
    parts: BTreeMap<u64, T>,
    fin_sequence: Option<u64>,
}

/// Streams being reassembled, by publisher `P` and stream id, with parts of type `T`.
#[derive(Debug)]
pub(super) struct StreamBuffers<P, T> {
    /// Open streams per publisher, oldest first (the order in which they are dropped).
    streams: HashMap<P, Vec<(StreamId, PartialStream<T>)>>,
    /// Open streams kept per publisher; opening one more drops the oldest.
    streams_per_peer_max: usize,
}

impl<P: Eq + Hash, T> StreamBuffers<P, T> {
    pub(super) fn new(streams_per_peer_max: usize) -> StreamBuffers<P, T> {
        StreamBuffers {
            streams: HashMap::new(),
            streams_per_peer_max,
        }
    }

    /// Keeps only the open streams whose id `keep` accepts.
    pub(super) fn retain(&mut self, keep: impl Fn(&StreamId) -> bool) {
        for streams in self.streams.values_mut() {
            streams.retain(|(id, _)| keep(id));
        }
        self.streams.retain(|_, streams| !streams.is_empty());
    }

    /// Adds `message` to its stream. When this completes the stream, the stream is forgotten
    /// and its data parts are returned in sequence order; otherwise `None`. A message numbered
    /// beyond `sequence_max` is refused (it opens no stream).
    pub(super) fn receive(
        &mut self,
        publisher: P,
        message: StreamMessage<T>,
        sequence_max: u64,
    ) -> Option<Vec<T>> {
        if message.sequence > sequence_max {
            return None;
        }
        let StreamMessage {
            stream_id,
            sequence,
            content,
        } = message;
        let streams_per_peer_max = self.streams_per_peer_max;
        let streams = self.streams.entry(publisher).or_default();
        let index = open_stream(streams, stream_id, streams_per_peer_max);
        let stream = &mut streams[index].1;
        match content {
            StreamContent::Fin => stream.fin_sequence = Some(sequence),
            StreamContent::Data(data) => {
                stream.parts.insert(sequence, data);
            }
        }
        let fin = stream.fin_sequence?;
        // `Fin` closes a stream of `fin` data parts numbered 0..fin. A `Fin` at sequence 0 would
        // close a stream with no `Init`: no proposal, and the stream is dropped, not kept.
        let Some(last_data) = fin.checked_sub(1) else {
            streams.remove(index);
            return None;
        };
        if stream.parts.len() as u64 != fin || stream.parts.keys().last() != Some(&last_data) {
            return None;
        }
        let (_, stream) = streams.remove(index);
        Some(stream.parts.into_values().collect())
    }

    /// Open streams of `publisher` (tests look at what is kept).
    #[cfg(test)]
    fn open_streams(&self, publisher: &P) -> usize {
        self.streams.get(publisher).map_or(0, Vec::len)
    }

    /// Publishers with an entry (tests look at what is kept).
    #[cfg(test)]
    fn publishers(&self) -> usize {
        self.streams.len()
    }
}

/// The index of stream `stream_id` among a publisher's open streams, opening it (and dropping
/// the oldest if `streams_max` are open) if it is new.
fn open_stream<T>(
    streams: &mut Vec<(StreamId, PartialStream<T>)>,
    stream_id: StreamId,
    streams_max: usize,
) -> usize {
    if let Some(index) = streams.iter().position(|(id, _)| *id == stream_id) {
        return index;
    }
    if streams.len() >= streams_max {
        streams.remove(0);
    }
    let stream = PartialStream {
        parts: BTreeMap::new(),
        fin_sequence: None,
    };
    streams.push((stream_id, stream));
    streams.len() - 1
}

#[cfg(test)]
mod tests {
    use bytes::Bytes;
    use malachitebft_engine::util::streaming::{StreamContent, StreamId, StreamMessage};

    use super::{StreamBuffers, stream_messages};

    const PEER: u8 = 1;
    const OTHER_PEER: u8 = 2;
    const SEQUENCE_MAX: u64 = 16;

    fn id(stream: u8) -> StreamId {
        StreamId::new(Bytes::from(vec![stream]))
    }

    fn data(stream: u8, sequence: u64, part: &'static str) -> StreamMessage<&'static str> {
        StreamMessage::new(id(stream), sequence, StreamContent::Data(part))
    }

    fn fin(stream: u8, sequence: u64) -> StreamMessage<&'static str> {
        StreamMessage::new(id(stream), sequence, StreamContent::Fin)
    }

    #[test]
    fn parts_out_of_order_reassemble() {
        let mut buffers = StreamBuffers::new(4);
        assert_eq!(buffers.receive(PEER, fin(7, 3), SEQUENCE_MAX), None);
        assert_eq!(buffers.receive(PEER, data(7, 2, "c"), SEQUENCE_MAX), None);
        assert_eq!(buffers.receive(PEER, data(7, 0, "a"), SEQUENCE_MAX), None);
        assert_eq!(
            buffers.receive(PEER, data(7, 1, "b"), SEQUENCE_MAX),
            Some(vec!["a", "b", "c"])
        );
        // A complete stream is forgotten.
        assert_eq!(buffers.open_streams(&PEER), 0);
    }

    #[test]
    fn stream_messages_reassemble_in_any_order() {
        let parts = vec!["init", "txs 1", "txs 2", "fin"];
        let messages = stream_messages(id(3), parts.clone());
        assert_eq!(messages.len(), parts.len() + 1);
        let mut buffers = StreamBuffers::new(4);
        let complete: Vec<Vec<&str>> = messages
            .into_iter()
            .rev()
            .filter_map(|message| buffers.receive(PEER, message, SEQUENCE_MAX))
            .collect();
        assert_eq!(complete, [parts]);
    }

    #[test]
    fn duplicate_part_is_ignored() {
        let mut buffers = StreamBuffers::new(4);
        assert_eq!(buffers.receive(PEER, data(1, 0, "a"), SEQUENCE_MAX), None);
        assert_eq!(buffers.receive(PEER, data(1, 0, "a"), SEQUENCE_MAX), None);
        // The duplicate does not stand in for the missing part 1.
        assert_eq!(buffers.receive(PEER, fin(1, 2), SEQUENCE_MAX), None);
        assert_eq!(
            buffers.receive(PEER, data(1, 1, "b"), SEQUENCE_MAX),
            Some(vec!["a", "b"])
        );
        // A part arriving again after completion yields nothing more.
        assert_eq!(buffers.receive(PEER, data(1, 1, "b"), SEQUENCE_MAX), None);
    }

    #[test]
    fn fin_at_sequence_zero_yields_nothing() {
        let mut buffers = StreamBuffers::new(4);
        assert_eq!(buffers.receive(PEER, fin(5, 0), SEQUENCE_MAX), None);
        assert_eq!(buffers.open_streams(&PEER), 0);
        // Also after data: the stream is dropped, not kept.
        assert_eq!(buffers.receive(PEER, data(6, 0, "a"), SEQUENCE_MAX), None);
        assert_eq!(buffers.receive(PEER, fin(6, 0), SEQUENCE_MAX), None);
        assert_eq!(buffers.open_streams(&PEER), 0);
    }

    #[test]
    fn opening_a_stream_beyond_the_bound_drops_the_oldest() {
        let mut buffers = StreamBuffers::new(2);
        assert_eq!(buffers.receive(PEER, data(1, 0, "a1"), SEQUENCE_MAX), None);
        assert_eq!(buffers.receive(PEER, data(2, 0, "a2"), SEQUENCE_MAX), None);
        assert_eq!(buffers.receive(PEER, data(3, 0, "a3"), SEQUENCE_MAX), None);
        assert_eq!(buffers.open_streams(&PEER), 2);
        assert_eq!(
            buffers.receive(PEER, fin(3, 1), SEQUENCE_MAX),
            Some(vec!["a3"])
        );
        // Stream 1 was dropped with its part: its `Fin` opens it afresh and completes nothing.
        assert_eq!(buffers.receive(PEER, fin(1, 1), SEQUENCE_MAX), None);
        // Stream 2 was kept.
        assert_eq!(
            buffers.receive(PEER, fin(2, 1), SEQUENCE_MAX),
            Some(vec!["a2"])
        );
    }

    #[test]
    fn retain_keeps_the_accepted_streams_whole_and_forgets_the_others() {
        let mut buffers = StreamBuffers::new(4);
        assert_eq!(buffers.receive(PEER, data(1, 0, "old"), SEQUENCE_MAX), None);
        assert_eq!(buffers.receive(PEER, data(2, 0, "new"), SEQUENCE_MAX), None);
        assert_eq!(
            buffers.receive(OTHER_PEER, data(1, 0, "theirs"), SEQUENCE_MAX),
            None
        );
        buffers.retain(|stream_id| *stream_id != id(1));
        assert_eq!(buffers.open_streams(&PEER), 1);
        // A publisher left with no stream is forgotten too, not kept as an empty entry.
        assert_eq!(buffers.publishers(), 1);
        // The kept stream completes with the part it had before.
        assert_eq!(
            buffers.receive(PEER, fin(2, 1), SEQUENCE_MAX),
            Some(vec!["new"])
        );
        // The forgotten one lost its part: its `Fin` completes nothing.
        assert_eq!(buffers.receive(PEER, fin(1, 1), SEQUENCE_MAX), None);
    }

    #[test]
    fn the_bound_on_streams_is_per_publisher() {
        let mut buffers = StreamBuffers::new(1);
        assert_eq!(
            buffers.receive(PEER, data(1, 0, "mine"), SEQUENCE_MAX),
            None
        );
        assert_eq!(
            buffers.receive(OTHER_PEER, data(1, 0, "theirs"), SEQUENCE_MAX),
            None
        );
        assert_eq!(
            buffers.receive(OTHER_PEER, data(2, 0, "theirs too"), SEQUENCE_MAX),
            None
        );
        assert_eq!(
            buffers.receive(PEER, fin(1, 1), SEQUENCE_MAX),
            Some(vec!["mine"])
        );
    }

    #[test]
    fn part_beyond_the_sequence_bound_is_refused() {
        let mut buffers = StreamBuffers::new(4);
        assert_eq!(
            buffers.receive(PEER, data(1, SEQUENCE_MAX + 1, "far"), SEQUENCE_MAX),
            None
        );
        assert_eq!(buffers.open_streams(&PEER), 0);
        assert_eq!(
            buffers.receive(PEER, data(1, SEQUENCE_MAX, "last"), SEQUENCE_MAX),
            None
        );
        assert_eq!(buffers.open_streams(&PEER), 1);
    }
}
