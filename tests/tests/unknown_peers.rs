//! Connections from an address that is no configured peer's are bounded before any handshake,
//! on both of a validator's swarms: at most a few at once from one such address, none again
//! within a cooldown after they close, and the consortium commits meanwhile.
//!
//! The stranger connects from 127.0.0.2, a crowd of them from 127.0.0.10–17 (the validators
//! listen on, and dial from, 127.0.0.1).
//! A connection refused before its handshake is closed by the node at once; one let in waits
//! for the stranger's first handshake bytes, which never come.

use std::net::{SocketAddr, TcpStream};
use std::time::Duration;

use gongxin_cluster_tests::Cluster;
use socket2::{Domain, SockAddr, Socket, Type};

const START: Duration = Duration::from_secs(60);
const COMMIT: Duration = Duration::from_secs(90);
/// Connections the stranger opens to each swarm at once.
const ATTEMPTS: usize = 12;

fn port_of(multiaddr: &str) -> u16 {
    multiaddr
        .rsplit_once("/tcp/")
        .and_then(|(_, port)| port.split('/').next()?.parse().ok())
        .expect("a /tcp/ port")
}

/// A TCP connection to `port` on 127.0.0.1 from 127.0.0.2.
fn connect_as_stranger(port: u16) -> TcpStream {
    connect_from([127, 0, 0, 2], port)
}

/// A TCP connection to `port` on 127.0.0.1 from `source` (a loopback address).
fn connect_from(source: [u8; 4], port: u16) -> TcpStream {
    let socket = Socket::new(Domain::IPV4, Type::STREAM, None).expect("socket");
    let source: SocketAddr = (source, 0).into();
    socket
        .bind(&SockAddr::from(source))
        .expect("bind a loopback source");
    let target: SocketAddr = ([127, 0, 0, 1], port).into();
    socket
        .connect_timeout(&SockAddr::from(target), Duration::from_secs(2))
        .expect("connect");
    let stream = TcpStream::from(socket);
    stream
        .set_read_timeout(Some(Duration::from_millis(300)))
        .unwrap();
    stream
}

/// Whether the node has closed `stream` (end of stream or reset), rather than waiting for it.
fn closed_by_node(stream: &mut TcpStream) -> bool {
    let mut byte = [0u8; 1];
    match std::io::Read::read(stream, &mut byte) {
        Ok(0) => true,
        // The node spoke first: not closed (neither libp2p listener does, but be exact).
        Ok(_) => false,
        Err(e) => !matches!(
            e.kind(),
            std::io::ErrorKind::WouldBlock | std::io::ErrorKind::TimedOut
        ),
    }
}

/// Opens [`ATTEMPTS`] connections to `port` at once and returns how many the node let wait.
fn waiting_of(port: u16) -> (usize, Vec<TcpStream>) {
    still_waiting((0..ATTEMPTS).map(|_| connect_as_stranger(port)).collect())
}

/// How many of `streams` the node has not closed after a moment (and the streams, kept open).
fn still_waiting(mut streams: Vec<TcpStream>) -> (usize, Vec<TcpStream>) {
    std::thread::sleep(Duration::from_millis(300));
    let waiting = streams
        .iter_mut()
        .filter_map(|s| (!closed_by_node(s)).then_some(()))
        .count();
    (waiting, streams)
}

#[test]
fn a_stranger_gets_a_few_connections_and_then_must_wait() {
    // Empty blocks every 300 ms, so progress shows without load.
    let cluster = Cluster::start_with(4, |_, config| {
        config.limits.empty_block_interval_ms = 300;
    });
    assert!(
        cluster.wait_height(&[0, 1, 2, 3], 2, START),
        "no start:\n{}",
        cluster.log(0)
    );
    let settings = cluster.nodes[0]
        .config
        .consensus
        .clone()
        .expect("consensus settings");
    let gossip = port_of(&settings.gossip_listen);
    let consensus = port_of(&settings.listen);

    // The gossip swarm: two at once from one unknown address (`consensus::sources`).
    let (waiting, streams) = waiting_of(gossip);
    assert_eq!(
        waiting, 2,
        "gossip connections left waiting for a handshake"
    );
    let refused = cluster
        .metric(0, "gongxin_gossip_connections_refused_total")
        .expect("metric");
    assert_eq!(refused, (ATTEMPTS - 2) as u64);
    // Malachite's consensus swarm: its per-address limit (5 for a consortium of 4).
    let (consensus_waiting, consensus_streams) = waiting_of(consensus);
    assert_eq!(
        consensus_waiting, 5,
        "consensus connections left waiting for a handshake"
    );

    // Once they close, the address waits out its cooldown on both swarms.
    drop(streams);
    drop(consensus_streams);
    std::thread::sleep(Duration::from_millis(300));
    for port in [gossip, consensus] {
        let mut again = connect_as_stranger(port);
        assert!(
            closed_by_node(&mut again),
            "port {port}: a reconnection within the cooldown was let in"
        );
    }

    // Many strangers, each within its own share: the consensus swarm keeps at most
    // 4 × (peers + 2) = 20 inbound connections pending (Malachite's default is 200, which
    // would let all 40 of these wait).
    let crowd: Vec<TcpStream> = (10..18u8)
        .flat_map(|host| (0..5).map(move |_| connect_from([127, 0, 0, host], consensus)))
        .collect();
    let (crowd_waiting, crowd) = still_waiting(crowd);
    assert!(
        (6..=20).contains(&crowd_waiting),
        "{crowd_waiting} of 40 strangers' connections left waiting on the consensus port"
    );
    drop(crowd);

    // The validators were never held back: the chain goes on with all four.
    let later = cluster.height(0).expect("height") + 3;
    assert!(
        cluster.wait_height(&[0, 1, 2, 3], later, COMMIT),
        "no progress:\n{}",
        cluster.log(0)
    );
    cluster.assert_agree(&[0, 1, 2, 3]);
}
