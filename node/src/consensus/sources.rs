//! Inbound connections to the transaction-gossip swarm, bounded before their handshake.
//!
//! The gossip swarm's allowlist refuses any peer but the configured validators, but only once
//! Noise has authenticated it: each attempt costs this node a key exchange first. So every
//! inbound connection is judged by its source address as soon as the TCP connection is
//! accepted, before any handshake byte:
//! - from an address of a configured peer: let through (the allowlist and the per-peer
//!   budgets of `txgossip` judge it once it is authenticated);
//! - from any other address: at most [`UNKNOWN_PER_ADDRESS_MAX`] at once from one address, at
//!   most [`UNKNOWN_TOTAL_MAX`] at once from all of them, and after any of an address's
//!   connections closes, that address waits [`UNKNOWN_COOLDOWN_MS`] before the next one (so
//!   keeping one connection open while cycling the other buys no handshakes either).
//!
//! So however many connections unknown sources open, this node runs at most
//! [`UNKNOWN_TOTAL_MAX`] handshakes for them at a time. A peer configured by DNS name has no
//! address known in advance; its inbound connections count as unknown (it is let in after the
//! cooldown, and gossip flows over this node's own outbound connection to it meanwhile).
//!
//! Malachite's consensus swarm has its own per-address limit and reconnect throttle, set from
//! `consensus::engine`'s discovery settings.
//!
//! [`SourceBudget`] is the rule, pure and clock-free; [`SourceLimits`] is the libp2p behaviour
//! around it.

use std::collections::{HashMap, HashSet};
use std::net::IpAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::task::{Context, Poll};
use std::time::Instant;

use libp2p::core::Endpoint;
use libp2p::core::transport::PortUse;
use libp2p::multiaddr::Protocol;
use libp2p::swarm::{
    ConnectionDenied, ConnectionId, FromSwarm, NetworkBehaviour, THandler, THandlerInEvent,
    THandlerOutEvent, ToSwarm, dummy,
};
use libp2p::{Multiaddr, PeerId};

/// Connections one unknown address may hold open (handshaking or not) at once.
pub const UNKNOWN_PER_ADDRESS_MAX: usize = 2;
/// Connections all unknown addresses together may hold open at once.
pub const UNKNOWN_TOTAL_MAX: usize = 16;
/// How long an unknown address waits after one of its connections closed.
pub const UNKNOWN_COOLDOWN_MS: u64 = 10_000;
/// Unknown addresses remembered in their cooldown; past this the oldest are forgotten.
const COOLING_MAX: usize = 4_096;

/// The address a connection comes from, as a key: IPv6 addresses by their /64 (what one site
/// is given), IPv4-mapped ones as IPv4.
pub fn source_of(addr: &Multiaddr) -> Option<IpAddr> {
    addr.iter().find_map(|protocol| match protocol {
        Protocol::Ip4(ip) => Some(IpAddr::V4(ip)),
        Protocol::Ip6(ip) => Some(match ip.to_ipv4_mapped() {
            Some(v4) => IpAddr::V4(v4),
            None => {
                let mut segments = ip.segments();
                segments[4..].fill(0);
                IpAddr::V6(segments.into())
            }
        }),
        _ => None,
    })
}

/// Why a connection was refused before its handshake.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{0} is no configured peer's address and already has its share of connections")]
    AddressFull(IpAddr),
    #[error("unknown addresses already hold every connection they may have")]
    AllFull,
    #[error("{0} is no configured peer's address and reconnected within its cooldown")]
    TooSoon(IpAddr),
}

/// The rule (see the module documentation), with time passed in.
#[derive(Debug, Default)]
pub struct SourceBudget {
    known: HashSet<IpAddr>,
    /// Open inbound connections from unknown addresses.
    open: HashMap<ConnectionId, IpAddr>,
    open_by_address: HashMap<IpAddr, usize>,
    /// Unknown addresses by when one of their connections last closed (ms).
    cooling: HashMap<IpAddr, u64>,
}

impl SourceBudget {
    /// A budget that lets the addresses of `peers` through.
    pub fn new<'a>(peers: impl IntoIterator<Item = &'a Multiaddr>) -> SourceBudget {
        SourceBudget {
            known: peers.into_iter().filter_map(source_of).collect(),
            ..SourceBudget::default()
        }
    }

    /// Judges a new inbound connection from `source`; one let in counts until [`closed`].
    ///
    /// [`closed`]: SourceBudget::closed
    pub fn admit(
        &mut self,
        connection: ConnectionId,
        source: Option<IpAddr>,
        now_ms: u64,
    ) -> Result<(), Refusal> {
        // A transport without an IP address (none is configured) has nothing to judge.
        let Some(ip) = source.filter(|ip| !self.known.contains(ip)) else {
            return Ok(());
        };
        if self.open_by_address.get(&ip).copied().unwrap_or(0) >= UNKNOWN_PER_ADDRESS_MAX {
            return Err(Refusal::AddressFull(ip));
        }
        if self.open.len() >= UNKNOWN_TOTAL_MAX {
            return Err(Refusal::AllFull);
        }
        if let Some(&closed_ms) = self.cooling.get(&ip) {
            if now_ms.saturating_sub(closed_ms) < UNKNOWN_COOLDOWN_MS {
                return Err(Refusal::TooSoon(ip));
            }
            self.cooling.remove(&ip);
        }
        self.open.insert(connection, ip);
        *self.open_by_address.entry(ip).or_default() += 1;
        Ok(())
    }

    /// A connection [`admit`] let in has closed (or failed its handshake).
    ///
    /// [`admit`]: SourceBudget::admit
    pub fn closed(&mut self, connection: ConnectionId, now_ms: u64) {
        let Some(ip) = self.open.remove(&connection) else {
            return;
        };
        let left = self.open_by_address.get_mut(&ip).map(|count| {
            *count -= 1;
            *count
        });
        if left == Some(0) {
            self.open_by_address.remove(&ip);
        }
        if self.cooling.len() >= COOLING_MAX && !self.cooling.contains_key(&ip) {
            self.forget_cooled(now_ms);
        }
        self.cooling.insert(ip, now_ms);
    }

    /// Drops addresses whose cooldown is over and, if that is not room enough, the half that
    /// closed longest ago (a forgotten address may connect again at once: the per-address and
    /// total bounds still hold).
    fn forget_cooled(&mut self, now_ms: u64) {
        self.cooling
            .retain(|_, closed_ms| now_ms.saturating_sub(*closed_ms) < UNKNOWN_COOLDOWN_MS);
        if self.cooling.len() >= COOLING_MAX {
            let mut times: Vec<u64> = self.cooling.values().copied().collect();
            let (_, median, _) = times.select_nth_unstable(COOLING_MAX / 2);
            let median = *median;
            self.cooling.retain(|_, closed_ms| *closed_ms > median);
        }
    }

    /// Connections from unknown addresses open now.
    pub fn unknown_open(&self) -> usize {
        self.open.len()
    }
}

/// The libp2p behaviour that applies a [`SourceBudget`] to inbound connections and counts
/// what it refuses.
#[derive(Debug)]
pub struct SourceLimits {
    budget: SourceBudget,
    started: Instant,
    refused: Arc<AtomicU64>,
}

impl SourceLimits {
    /// Limits for a swarm whose configured peers are `peers`; each refusal adds one to
    /// `refused`.
    pub fn new<'a>(
        peers: impl IntoIterator<Item = &'a Multiaddr>,
        refused: Arc<AtomicU64>,
    ) -> SourceLimits {
        SourceLimits {
            budget: SourceBudget::new(peers),
            started: Instant::now(),
            refused,
        }
    }

    fn now_ms(&self) -> u64 {
        self.started.elapsed().as_millis() as u64
    }
}

impl NetworkBehaviour for SourceLimits {
    type ConnectionHandler = dummy::ConnectionHandler;
    type ToSwarm = std::convert::Infallible;

    fn handle_pending_inbound_connection(
        &mut self,
        connection: ConnectionId,
        _local_addr: &Multiaddr,
        remote_addr: &Multiaddr,
    ) -> Result<(), ConnectionDenied> {
        let now_ms = self.now_ms();
        self.budget
            .admit(connection, source_of(remote_addr), now_ms)
            .map_err(|refusal| {
                self.refused.fetch_add(1, Ordering::Relaxed);
                tracing::debug!(%remote_addr, %refusal, "gossip connection refused before its handshake");
                ConnectionDenied::new(refusal)
            })
    }

    fn handle_established_inbound_connection(
        &mut self,
        _connection: ConnectionId,
        _peer: PeerId,
        _local_addr: &Multiaddr,
        _remote_addr: &Multiaddr,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Ok(dummy::ConnectionHandler)
    }

    fn handle_established_outbound_connection(
        &mut self,
        _connection: ConnectionId,
        _peer: PeerId,
        _addr: &Multiaddr,
        _role_override: Endpoint,
        _port_use: PortUse,
    ) -> Result<THandler<Self>, ConnectionDenied> {
        Ok(dummy::ConnectionHandler)
    }

    fn on_swarm_event(&mut self, event: FromSwarm<'_>) {
        let connection = match event {
            FromSwarm::ConnectionClosed(closed) => closed.connection_id,
            // The handshake failed, or another behaviour refused the connection.
            FromSwarm::ListenFailure(failure) => failure.connection_id,
            _ => return,
        };
        let now_ms = self.now_ms();
        self.budget.closed(connection, now_ms);
    }

    fn on_connection_handler_event(
        &mut self,
        _peer: PeerId,
        _connection: ConnectionId,
        event: THandlerOutEvent<Self>,
    ) {
        match event {}
    }

    fn poll(&mut self, _: &mut Context<'_>) -> Poll<ToSwarm<Self::ToSwarm, THandlerInEvent<Self>>> {
        Poll::Pending
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn id(n: usize) -> ConnectionId {
        ConnectionId::new_unchecked(n)
    }

    fn ip(text: &str) -> Option<IpAddr> {
        Some(text.parse().unwrap())
    }

    fn budget() -> SourceBudget {
        let peer: Multiaddr =
            "/ip4/10.0.0.1/tcp/7000/p2p/12D3KooWM6dxNLM6kTgvZMJrK67SQnHZu9qfepXvRsM8MfLDEiXQ"
                .parse()
                .unwrap();
        SourceBudget::new([&peer])
    }

    #[test]
    fn a_configured_peers_address_is_never_held_back() {
        let mut budget = budget();
        for n in 0..100 {
            assert_eq!(budget.admit(id(n), ip("10.0.0.1"), 0), Ok(()));
        }
        assert_eq!(budget.unknown_open(), 0);
    }

    #[test]
    fn an_unknown_address_gets_its_share_then_waits_after_closing() {
        let mut budget = budget();
        let stranger = ip("192.0.2.7");
        assert_eq!(budget.admit(id(1), stranger, 0), Ok(()));
        assert_eq!(budget.admit(id(2), stranger, 0), Ok(()));
        assert_eq!(
            budget.admit(id(3), stranger, 0),
            Err(Refusal::AddressFull(stranger.unwrap()))
        );
        // One closes while the other stays open: the share has room, but the address waits
        // all the same, or cycling one connection beside a kept one would be free.
        budget.closed(id(1), 100);
        assert_eq!(
            budget.admit(id(4), stranger, 100 + UNKNOWN_COOLDOWN_MS - 1),
            Err(Refusal::TooSoon(stranger.unwrap()))
        );
        assert_eq!(
            budget.admit(id(4), stranger, 100 + UNKNOWN_COOLDOWN_MS),
            Ok(())
        );
        budget.closed(id(2), 20_000);
        budget.closed(id(4), 20_100);
        assert_eq!(
            budget.admit(id(5), stranger, 20_100 + UNKNOWN_COOLDOWN_MS - 1),
            Err(Refusal::TooSoon(stranger.unwrap()))
        );
        assert_eq!(
            budget.admit(id(6), stranger, 20_100 + UNKNOWN_COOLDOWN_MS),
            Ok(())
        );
        // Closing what was never let in (or twice) changes nothing.
        budget.closed(id(3), 40_000);
        budget.closed(id(4), 40_000);
        assert_eq!(budget.unknown_open(), 1);
    }

    #[test]
    fn unknown_addresses_together_hold_at_most_the_total() {
        let mut budget = budget();
        for n in 0..UNKNOWN_TOTAL_MAX {
            let address = ip(&format!("192.0.2.{n}"));
            assert_eq!(budget.admit(id(n), address, 0), Ok(()));
        }
        assert_eq!(
            budget.admit(id(99), ip("198.51.100.1"), 0),
            Err(Refusal::AllFull)
        );
        budget.closed(id(0), 5);
        assert_eq!(budget.admit(id(100), ip("198.51.100.1"), 5), Ok(()));
    }

    #[test]
    fn ipv6_sources_count_by_their_64_and_mapped_ipv4_as_ipv4() {
        let a: Multiaddr = "/ip6/2001:db8:1:2:aaaa::1/tcp/1".parse().unwrap();
        let b: Multiaddr = "/ip6/2001:db8:1:2:bbbb::9/tcp/1".parse().unwrap();
        assert_eq!(source_of(&a), source_of(&b));
        let mapped: Multiaddr = "/ip6/::ffff:192.0.2.1/tcp/1".parse().unwrap();
        assert_eq!(source_of(&mapped), ip("192.0.2.1"));
        let dns: Multiaddr = "/dns4/example.org/tcp/1".parse().unwrap();
        assert_eq!(source_of(&dns), None);
        let mut budget = budget();
        assert_eq!(budget.admit(id(1), source_of(&a), 0), Ok(()));
        assert_eq!(budget.admit(id(2), source_of(&b), 0), Ok(()));
        assert!(budget.admit(id(3), source_of(&a), 0).is_err());
    }

    #[test]
    fn the_cooldown_memory_is_bounded() {
        let mut budget = budget();
        for n in 0..(COOLING_MAX + 10) {
            let address = Some(IpAddr::V4((n as u32 + (1 << 24)).into()));
            budget.admit(id(n), address, n as u64).unwrap();
            budget.closed(id(n), n as u64);
        }
        assert!(budget.cooling.len() <= COOLING_MAX);
        assert_eq!(budget.unknown_open(), 0);
    }
}
