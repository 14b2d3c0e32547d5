//! The PostgreSQL sink against a real server (Debian's `postgresql`, started by the test): after
//! the demo load its tables hold what the ledger holds — row counts and sums equal — and after a
//! restart, a rewound cursor or a database crash they still do, with no row twice; a line
//! department's sink holds its own records only; a database filled for another department is
//! refused; and the node binary runs the sink from its config file.

use std::collections::BTreeSet;
use std::time::{Duration, Instant};

use gongxin_contracts::access::ReaderRole;
use gongxin_contracts::records::{DisbursementRecord, ProjectRecord, RectificationRecord};
use gongxin_contracts::{State, keys, store};
use gongxin_core::model::{DepartmentKind, Operation, Role};
use gongxin_core::tx::{ReplayGuard, TxBody};
use gongxin_node::clock::{Clock, ManualClock, SystemClock};
use gongxin_node::config::Limits;
use gongxin_node::node::Node;
use gongxin_node::producer::produce_block;
use gongxin_node::sink::{Connection, SinkConfig, SinkError};

mod common;

use common::postgres::PgServer;

/// The demo data, then ten empty blocks 45 days later (so passes have blocks to page, and the
/// deadline sweeps raise overdue reminders and escalations).
fn loaded() -> common::TestNode {
    let clock = ManualClock::new(SystemClock.now_ms());
    let t = common::test_node_with_clock(Limits::default(), clock.clone());
    t.load_demo();
    for _ in 0..10 {
        clock.advance_ms(4 * 86_400_000 + 12 * 3_600_000);
        produce_block(&t.node, true).unwrap();
    }
    t
}

fn reader(department: &str, kind: DepartmentKind) -> ReaderRole {
    ReaderRole {
        department: department.into(),
        kind,
        role: Role::Director,
    }
}

fn config(pg: &PgServer, schema: &str, blocks_per_pass: u64) -> SinkConfig {
    SinkConfig {
        url: pg.url(),
        schema: schema.into(),
        blocks_per_pass,
    }
}

/// Every value of `T` stored under `prefix` (records only: the prefix's direct children).
fn all<T: bincode::Decode<()>>(node: &Node, prefix: &[u8]) -> Vec<T> {
    let state = node.reader().state();
    state
        .scan_prefix(prefix, None, usize::MAX)
        .unwrap()
        .into_iter()
        .filter(|(k, _)| !k[prefix.len()..].contains(&b'/'))
        .map(|(k, v)| store::decode_value::<T>(&k, &v).unwrap())
        .collect()
}

/// What the ledger says, in the figures the sink's tables must reproduce.
#[derive(Debug, PartialEq, Eq)]
struct Figures {
    blocks: i64,
    txs: i64,
    projects: i64,
    budget_fen: i64,
    committed_fen: i64,
    disbursed_fen: i64,
    disbursements: i64,
    paid_fen: i64,
    rectifications: i64,
    overdue: i64,
    alerts: i64,
}

fn ledger_figures(node: &Node) -> Figures {
    let projects: Vec<ProjectRecord> = all(node, keys::PROJECTS);
    let disbursements: Vec<DisbursementRecord> = all(node, b"disb/");
    let tasks: Vec<RectificationRecord> = all(node, keys::RECTIFICATIONS);
    let sum = |f: &dyn Fn(&ProjectRecord) -> u64| projects.iter().map(f).sum::<u64>() as i64;
    let tip = node.tip();
    let alerts = node
        .reader()
        .state()
        .scan_prefix(b"idx/alert/", None, usize::MAX)
        .unwrap()
        .len();
    Figures {
        blocks: tip.height() as i64,
        txs: tip.chain.log_size as i64,
        projects: projects.len() as i64,
        budget_fen: sum(&|p| p.budget_fen()),
        committed_fen: sum(&|p| p.committed_fen),
        disbursed_fen: sum(&|p| p.disbursed_fen),
        disbursements: disbursements.len() as i64,
        paid_fen: disbursements
            .iter()
            .filter(|d| d.paid_ms.is_some())
            .map(|d| d.request.amount_fen)
            .sum::<u64>() as i64,
        rectifications: tasks.len() as i64,
        overdue: tasks.iter().filter(|t| t.overdue).count() as i64,
        alerts: alerts as i64,
    }
}

fn one(client: &mut postgres::Client, sql: &str) -> i64 {
    client.query_one(sql, &[]).unwrap().get::<_, i64>(0)
}

fn database_figures(client: &mut postgres::Client, s: &str) -> Figures {
    let mut q = |sql: &str| one(client, &sql.replace("{s}", s));
    Figures {
        blocks: q("SELECT count(*) FROM {s}.blocks"),
        txs: q("SELECT count(*) FROM {s}.transactions"),
        projects: q("SELECT count(*) FROM {s}.projects"),
        budget_fen: q("SELECT coalesce(sum(budget_fen), 0)::bigint FROM {s}.projects"),
        committed_fen: q("SELECT coalesce(sum(committed_fen), 0)::bigint FROM {s}.projects"),
        disbursed_fen: q("SELECT coalesce(sum(disbursed_fen), 0)::bigint FROM {s}.projects"),
        disbursements: q("SELECT count(*) FROM {s}.disbursements"),
        paid_fen: q(
            "SELECT coalesce(sum(amount_fen), 0)::bigint FROM {s}.disbursements WHERE status = 'paid'",
        ),
        rectifications: q("SELECT count(*) FROM {s}.rectifications"),
        overdue: q("SELECT count(*) FROM {s}.rectifications WHERE overdue"),
        alerts: q("SELECT count(*) FROM {s}.alerts"),
    }
}

/// No transaction, alert or block appears twice, and the budget lines add up to the budgets.
fn assert_consistent(client: &mut postgres::Client, s: &str) {
    let mut q = |sql: &str| one(client, &sql.replace("{s}", s));
    assert_eq!(
        q("SELECT count(*) FROM {s}.transactions"),
        q("SELECT count(DISTINCT tx_hash) FROM {s}.transactions")
    );
    assert_eq!(
        q("SELECT count(*) FROM {s}.alerts"),
        q("SELECT count(DISTINCT digest) FROM {s}.alerts")
    );
    assert_eq!(
        q(
            "SELECT count(*) FROM {s}.projects p WHERE budget_fen <> (SELECT coalesce(sum(amount_fen), 0) FROM {s}.budget_lines b WHERE b.project = p.id)"
        ),
        0,
        "budget lines add up to each project's budget"
    );
    assert_eq!(
        q(
            "SELECT count(*) FROM {s}.contracts c WHERE NOT EXISTS (SELECT 1 FROM {s}.projects p WHERE p.id = c.project)"
        ),
        0
    );
}

#[test]
fn the_sink_holds_what_the_ledger_holds_through_restarts_and_crashes() {
    let t = loaded();
    let pg = PgServer::start();
    let audit = reader("audit", DepartmentKind::Audit);

    // A first pass of 5 blocks commits 5 blocks and the cursor with them.
    let mut sink = Connection::open(&t.node, &config(&pg, "audit_view", 5), audit.clone()).unwrap();
    let report = sink.pass(&t.node).unwrap().unwrap();
    assert_eq!((report.from, report.to), (0, 5));
    let mut client = pg.client();
    assert_eq!(
        one(&mut client, "SELECT count(*) FROM audit_view.blocks"),
        5
    );
    assert_eq!(sink.synced_height().unwrap(), 5);

    // Then all of it: every figure equals the ledger's.
    let height = sink.catch_up(&t.node).unwrap();
    assert_eq!(height, t.node.tip().height());
    let figures = ledger_figures(&t.node);
    assert!(figures.projects >= 100 && figures.disbursements > 0 && figures.alerts > 0);
    assert!(figures.rectifications > 0 && figures.overdue > 0);
    assert_eq!(database_figures(&mut client, "audit_view"), figures);
    assert_consistent(&mut client, "audit_view");
    // Nothing to do at the tip.
    assert_eq!(sink.pass(&t.node).unwrap(), None);

    // Rewind the cursor (as a crash between a write and its commit would leave it, were the
    // two not one transaction): the blocks are written again, and nothing is doubled.
    let block3 = t.node.reader().header(3).unwrap().unwrap().hash().to_hex();
    client
        .execute(
            "UPDATE audit_view.sink_state SET height = 3, block_hash = $1",
            &[&block3],
        )
        .unwrap();
    assert_eq!(sink.catch_up(&t.node).unwrap(), t.node.tip().height());
    assert_eq!(database_figures(&mut client, "audit_view"), figures);
    assert_consistent(&mut client, "audit_view");
    drop(sink);

    // More blocks while the sink is away, one with a director acknowledging an overdue
    // reminder; the database crashes and comes back; a new sink (a restarted node) continues
    // from the cursor.
    let overdue = client
        .query_one(
            "SELECT digest, responsible_department FROM audit_view.alerts WHERE kind = 'rectification_overdue' ORDER BY height, position LIMIT 1",
            &[],
        )
        .unwrap();
    let (digest, department): (String, String) = (overdue.get(0), overdue.get(1));
    let director = t.keys.member(&department, Role::Director).unwrap().clone();
    let ack = TxBody {
        chain_id: t.node.chain_id().to_owned(),
        signer: director.public_key(),
        replay: ReplayGuard {
            nonce: 9_000_001,
            valid_until_height: t.node.tip().height() + 100,
        },
        operation: Operation::AcknowledgeAlert {
            alert: digest.parse().unwrap(),
            note: "已阅".into(),
        },
    }
    .sign(&director);
    t.node
        .admission
        .submit(ack.clone(), ack.to_bytes().len())
        .unwrap();
    for _ in 0..3 {
        produce_block(&t.node, true).unwrap();
    }
    pg.crash_and_restart();
    let mut sink = Connection::open(&t.node, &config(&pg, "audit_view", 7), audit).unwrap();
    assert_eq!(sink.synced_height().unwrap(), height);
    assert_eq!(sink.catch_up(&t.node).unwrap(), t.node.tip().height());
    let mut client = pg.client();
    assert_eq!(
        database_figures(&mut client, "audit_view"),
        ledger_figures(&t.node)
    );
    assert_consistent(&mut client, "audit_view");

    let acks = client
        .query(
            "SELECT alert, person, department FROM audit_view.alert_acknowledgements",
            &[],
        )
        .unwrap();
    assert_eq!(acks.len(), 1);
    assert_eq!(acks[0].get::<_, String>(0), digest);
    assert_eq!(
        acks[0].get::<_, String>(1),
        director.public_key().to_string()
    );
    assert_eq!(acks[0].get::<_, String>(2), department);

    // Each alert row is the alert the API serves under its digest.
    let rows = client
        .query(
            "SELECT digest, kind, responsible_department FROM audit_view.alerts",
            &[],
        )
        .unwrap();
    let state = t.node.reader().state();
    for row in rows {
        let digest: String = row.get(0);
        let view = gongxin_contracts::queries::alert(&state, &digest.parse().unwrap())
            .unwrap()
            .expect("an alert the ledger has");
        assert_eq!(row.get::<_, String>(1), view.alert.kind.code());
        assert_eq!(row.get::<_, String>(2), view.alert.responsible_department);
    }
}

#[test]
fn a_line_department_sinks_its_own_records_only() {
    let t = loaded();
    let pg = PgServer::start();
    let transport = reader("transport", DepartmentKind::Line);
    let mut sink =
        Connection::open(&t.node, &config(&pg, "transport_view", 200), transport).unwrap();
    sink.catch_up(&t.node).unwrap();
    let mut client = pg.client();

    let projects: Vec<ProjectRecord> = all(&t.node, keys::PROJECTS);
    let own: BTreeSet<&str> = projects
        .iter()
        .filter(|p| p.owner_department == "transport")
        .map(|p| p.id.as_str())
        .collect();
    assert!(!own.is_empty() && own.len() < projects.len());
    let rows: BTreeSet<String> = client
        .query("SELECT id FROM transport_view.projects", &[])
        .unwrap()
        .into_iter()
        .map(|r| r.get(0))
        .collect();
    assert_eq!(rows, own.iter().map(|s| s.to_string()).collect());
    for table in [
        "contracts",
        "disbursements",
        "change_orders",
        "progress_reports",
    ] {
        let others = one(
            &mut client,
            &format!(
                "SELECT count(*) FROM transport_view.{table} x WHERE NOT EXISTS (SELECT 1 FROM transport_view.projects p WHERE p.id = x.project)"
            ),
        );
        assert_eq!(others, 0, "{table} of other departments' projects");
    }
    // Entries of other departments' projects only when transport signed them.
    let foreign = one(
        &mut client,
        "SELECT count(*) FROM transport_view.transactions t WHERE t.project IS NOT NULL \
         AND NOT EXISTS (SELECT 1 FROM transport_view.projects p WHERE p.id = t.project) \
         AND t.signer_department IS DISTINCT FROM 'transport'",
    );
    assert_eq!(foreign, 0);
    let tasks = one(
        &mut client,
        "SELECT count(*) FROM transport_view.rectifications r WHERE r.responsible_department <> 'transport' \
         AND NOT EXISTS (SELECT 1 FROM transport_view.projects p WHERE p.id = r.project)",
    );
    assert_eq!(tasks, 0);
    assert_eq!(
        one(
            &mut client,
            "SELECT count(*) FROM transport_view.alerts a WHERE a.responsible_department <> 'transport' \
             AND a.escalated_to IS DISTINCT FROM 'transport' \
             AND NOT EXISTS (SELECT 1 FROM transport_view.projects p WHERE p.id = a.project)"
        ),
        0
    );
    assert!(
        one(
            &mut client,
            "SELECT count(*) FROM transport_view.transactions"
        ) > 0
    );

    // The schema is transport's: a sink for another department is refused, not mixed in; so is
    // one made by another table version, or filled with blocks this ledger does not have.
    let refused = |who: ReaderRole, says: &str| match Connection::open(
        &t.node,
        &config(&pg, "transport_view", 200),
        who,
    ) {
        Err(SinkError::Mismatch(reason)) => assert!(reason.contains(says), "{reason}"),
        other => panic!("expected a mismatch ({says}), got {other:?}"),
    };
    refused(reader("ecology", DepartmentKind::Line), "transport");
    let transport = || reader("transport", DepartmentKind::Line);
    let alter = |client: &mut postgres::Client, set: &str| {
        client
            .batch_execute(&format!("UPDATE transport_view.sink_state SET {set}"))
            .unwrap();
    };
    alter(&mut client, "schema_version = 99");
    refused(transport(), "sink schema version 99");
    alter(&mut client, "schema_version = 1");
    let hash: String = client
        .query_one("SELECT block_hash FROM transport_view.sink_state", &[])
        .unwrap()
        .get(0);
    alter(&mut client, &format!("block_hash = '{}'", "0".repeat(64)));
    refused(transport(), "which this node's ledger does not have");
    alter(&mut client, &format!("block_hash = '{hash}'"));
    assert!(Connection::open(&t.node, &config(&pg, "transport_view", 200), transport()).is_ok());
}

#[test]
fn the_node_binary_runs_the_sink_from_its_config() {
    let pg = PgServer::start();
    let dir = tempfile::tempdir().unwrap();
    let (_keys, mut node_config, path) = common::process::single_validator(
        dir.path(),
        Limits {
            empty_block_interval_ms: 100,
            ..Limits::default()
        },
    );
    // A bad schema name stops the node at start, with the reason.
    node_config.postgres_sink = Some(config(&pg, "Not-A-Name", 100));
    std::fs::write(&path, serde_json::to_string_pretty(&node_config).unwrap()).unwrap();
    let out = std::process::Command::new(env!("CARGO_BIN_EXE_gongxin-node"))
        .args(["run", "--config"])
        .arg(&path)
        .output()
        .unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("postgres_sink.schema"), "{stderr}");

    node_config.postgres_sink = Some(config(&pg, "gongxin", 100));
    std::fs::write(&path, serde_json::to_string_pretty(&node_config).unwrap()).unwrap();
    let _node = common::process::start(&path, &dir.path().join("node.log"));
    let mut client = None;
    let deadline = Instant::now() + Duration::from_secs(60);
    let mut height = 0;
    while Instant::now() < deadline && height < 3 {
        std::thread::sleep(Duration::from_millis(300));
        let c = client.get_or_insert_with(|| pg.client());
        height = c
            .query_opt("SELECT height FROM gongxin.sink_state", &[])
            .ok()
            .flatten()
            .map_or(0, |r| r.get::<_, i64>(0));
    }
    let log = std::fs::read_to_string(dir.path().join("node.log")).unwrap_or_default();
    assert!(
        height >= 3,
        "the sink reached block {height}; node log:\n{log}"
    );
    let c = client.as_mut().unwrap();
    let department: String = c
        .query_one("SELECT department FROM gongxin.sink_state", &[])
        .unwrap()
        .get(0);
    assert!(!department.is_empty());
    assert!(one(c, "SELECT count(*) FROM gongxin.blocks") >= 3);
}
