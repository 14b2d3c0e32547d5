//! The public portal at `/` (中文) and `/en/` (English): server-rendered HTML that works with
//! no JavaScript and in old browsers — disclosed projects with search and filters, programme
//! totals, charts (budget against payments by category, the stage funnel), a page per project
//! with its disclosed history and rectification measures, and the list as CSV.
//!
//! Every value comes from the public views (`contracts::disclosure`), as `/public/v1/` serves
//! them; each record names its leaf of the public disclosure log and how to verify it against
//! the signed checkpoint, with nothing but the genesis file. The list, totals and charts read
//! at most [`SCAN_MAX`] disclosed projects per request (the page says when it stopped there).

pub mod charts;
pub mod page;

use std::collections::{BTreeMap, HashMap};
use std::fmt::Write as _;

use gongxin_contracts::disclosure::Disclose;
use gongxin_contracts::queries::{self, ProjectFilter, RectificationFilter};
use gongxin_core::public_log::{PublicLeaf, SWEEP_TX};
use serde_json::Value;
use warp::Reply;
use warp::http::StatusCode;
use warp::reply::Response;

use self::charts::{Bar, bars};
use self::page::{Lang, STAGES, date, esc, frame, money, percent, stage_label, url_value};
use super::ledger::Query;
use crate::node::Node;
use crate::reader::CommittedState;

/// Most disclosed projects one portal request reads.
pub const SCAN_MAX: usize = 10_000;
/// Projects per page of the list.
const PAGE: usize = 50;
/// Disclosed versions of a project the history section shows.
const HISTORY_MAX: usize = 200;

/// The page's security policy: its own style sheet and its one script (the verify button,
/// `/portal/verify.js`, which talks to this origin only); no inline script, no framing.
const CSP: &str = "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

fn html(status: StatusCode, body: String) -> Response {
    let reply = warp::reply::with_header(body, "content-type", "text/html; charset=utf-8");
    let reply = warp::reply::with_header(reply, "content-security-policy", CSP);
    warp::reply::with_status(reply, status).into_response()
}

/// `GET /portal/portal.css`.
pub fn stylesheet() -> Response {
    warp::reply::with_header(page::CSS, "content-type", "text/css; charset=utf-8").into_response()
}

/// The list's filters, as given in the query.
#[derive(Debug, Default)]
struct Filters {
    department: Option<String>,
    programme: Option<String>,
    stage: Option<String>,
    q: Option<String>,
    after: Option<String>,
}

impl Filters {
    fn read(query: &Query) -> Filters {
        let given = |name: &str| {
            query
                .get(name)
                .map(|v| v.trim().to_owned())
                .filter(|v| !v.is_empty())
        };
        Filters {
            department: given("department"),
            programme: given("programme"),
            stage: given("stage"),
            q: given("q"),
            after: given("after"),
        }
    }

    /// The index filter, or the message for a stage that does not exist.
    fn project_filter(&self, lang: Lang) -> Result<ProjectFilter, String> {
        let stage = match &self.stage {
            None => None,
            Some(wire) => Some(
                STAGES
                    .iter()
                    .find(|(_, name)| name == wire)
                    .map(|(stage, _)| *stage)
                    .ok_or_else(|| {
                        format!("{} {wire:?}", lang.t("没有这个阶段：", "No such stage:"))
                    })?,
            ),
        };
        Ok(ProjectFilter {
            department: self.department.clone(),
            stage,
            programme: self.programme.clone(),
        })
    }

    /// The query string of these filters (without the cursor), for links.
    fn query(&self) -> String {
        [
            ("department", &self.department),
            ("programme", &self.programme),
            ("stage", &self.stage),
            ("q", &self.q),
        ]
        .iter()
        .filter_map(|(name, value)| Some(format!("{name}={}", url_value(value.as_deref()?))))
        .collect::<Vec<_>>()
        .join("&")
    }

    fn matches(&self, view: &Value) -> bool {
        let Some(q) = &self.q else {
            return true;
        };
        let q = q.to_lowercase();
        ["id", "name", "location", "category"].iter().any(|field| {
            view[*field]
                .as_str()
                .is_some_and(|text| text.to_lowercase().contains(&q))
        })
    }
}

/// The disclosed projects the filters select, at most [`SCAN_MAX`] read; whether it stopped
/// there.
fn selected(node: &Node, filters: &Filters, filter: &ProjectFilter) -> (Vec<Value>, bool) {
    let state = node.reader().state();
    let mut out = Vec::new();
    let mut after: Option<String> = None;
    let mut read = 0usize;
    loop {
        let Ok((_, page)) = queries::public_projects(&state, filter, after.as_deref(), 500) else {
            return (out, true);
        };
        read += page.items.len();
        out.extend(page.items.into_iter().filter(|v| filters.matches(v)));
        match page.next {
            Some(next) if read < SCAN_MAX => after = Some(next),
            Some(_) => return (out, true),
            None => return (out, false),
        }
    }
}

fn department_names(node: &Node) -> HashMap<String, String> {
    queries::departments(&node.reader().state())
        .unwrap_or_default()
        .into_iter()
        .map(|d| (d.department.id.clone(), d.department.name.clone()))
        .collect()
}

fn u(view: &Value, field: &str) -> u64 {
    view[field].as_u64().unwrap_or(0)
}

fn s<'a>(view: &'a Value, field: &str) -> &'a str {
    view[field].as_str().unwrap_or_default()
}

/// `GET /` and `GET /en/`: the list, its totals and charts.
pub fn index(node: &Node, lang: Lang, query: &Query) -> Response {
    let filters = Filters::read(query);
    let names = department_names(node);
    let filter = match filters.project_filter(lang) {
        Ok(filter) => filter,
        Err(message) => {
            let body = format!(
                "<h1>{}</h1><p class=\"error\" role=\"alert\">{}</p>{}",
                lang.t("公开项目", "Public projects"),
                esc(&message),
                filter_form(lang, &filters, &names)
            );
            return html(StatusCode::BAD_REQUEST, page_frame(node, lang, "", &body));
        }
    };
    let (projects, capped) = selected(node, &filters, &filter);
    let mut body = format!("<h1>{}</h1>", lang.t("公开项目", "Public projects"));
    body.push_str(&filter_form(lang, &filters, &names));
    let _ = write!(
        body,
        r#"<p class="muted">{} {}{} · <a href="/portal/projects.csv?{}">{}</a></p>"#,
        projects.len(),
        lang.t("个项目", "projects"),
        if capped {
            lang.t("（只统计了前 10,000 个）", " (the first 10,000 only)")
        } else {
            ""
        },
        esc(&filters.query()),
        lang.t("下载 CSV", "Download CSV"),
    );
    // The overview first, then the list it sums up.
    body.push_str(&programme_totals(lang, &projects));
    body.push_str(&charts_section(lang, &projects));
    let _ = write!(body, "<h2>{}</h2>", lang.t("项目列表", "Projects"));
    body.push_str(&project_table(lang, &projects, &filters, &names));
    let alternate = match lang {
        Lang::Zh => format!("/en/?{}", filters.query()),
        Lang::En => format!("/?{}", filters.query()),
    };
    html(
        StatusCode::OK,
        frame(
            lang,
            lang.t("公开项目", "Public projects"),
            &node.genesis.hash().to_hex(),
            &alternate,
            &body,
        ),
    )
}

fn page_frame(node: &Node, lang: Lang, path: &str, body: &str) -> String {
    let alternate = match lang {
        Lang::Zh => format!("/en{path}/"),
        Lang::En => format!("{path}/"),
    };
    frame(
        lang,
        lang.t("公开项目", "Public projects"),
        &node.genesis.hash().to_hex(),
        &alternate,
        body,
    )
}

fn filter_form(lang: Lang, filters: &Filters, names: &HashMap<String, String>) -> String {
    let mut departments: Vec<(&String, &String)> = names.iter().collect();
    departments.sort();
    let mut form = format!(
        r#"<form class="filters" method="get" action="{}/"><label>{}<input type="search" name="q" value="{}"></label><label>{}<select name="department"><option value="">{}</option>"#,
        lang.prefix(),
        lang.t("搜索（编号、名称、地点）", "Search (id, name, place)"),
        esc(filters.q.as_deref().unwrap_or_default()),
        lang.t("主管部门", "Department"),
        lang.t("全部", "All"),
    );
    for (id, name) in departments {
        let selected = if filters.department.as_deref() == Some(id) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            form,
            r#"<option value="{}"{selected}>{}</option>"#,
            esc(id),
            esc(name)
        );
    }
    let _ = write!(
        form,
        r#"</select></label><label>{}<select name="stage"><option value="">{}</option>"#,
        lang.t("阶段", "Stage"),
        lang.t("全部", "All")
    );
    for (_, wire) in STAGES {
        let selected = if filters.stage.as_deref() == Some(*wire) {
            " selected"
        } else {
            ""
        };
        let _ = write!(
            form,
            r#"<option value="{wire}"{selected}>{}</option>"#,
            stage_label(lang, wire)
        );
    }
    let _ = write!(
        form,
        r#"</select></label><label>{}<input name="programme" value="{}"></label><button type="submit">{}</button></form>"#,
        lang.t("专项计划", "Programme"),
        esc(filters.programme.as_deref().unwrap_or_default()),
        lang.t("筛选", "Filter"),
    );
    form
}

fn project_table(
    lang: Lang,
    projects: &[Value],
    filters: &Filters,
    names: &HashMap<String, String>,
) -> String {
    let start = filters.after.as_deref().map_or(0, |after| {
        projects.iter().take_while(|p| s(p, "id") <= after).count()
    });
    let shown = &projects[start.min(projects.len())..(start + PAGE).min(projects.len())];
    if shown.is_empty() {
        return format!(
            "<p>{}</p>",
            lang.t("没有符合条件的公开项目。", "No disclosed project matches.")
        );
    }
    let headers = [
        lang.t("编号", "Id"),
        lang.t("名称", "Name"),
        lang.t("主管部门", "Department"),
        lang.t("阶段", "Stage"),
        lang.t("预算", "Budget"),
        lang.t("已支付", "Paid"),
        lang.t("验收进度", "Accepted progress"),
    ];
    let mut table = String::from("<table class=\"cards\"><thead><tr>");
    for (i, header) in headers.iter().enumerate() {
        let class = if i >= 4 { " class=\"num\"" } else { "" };
        let _ = write!(table, "<th{class}>{header}</th>");
    }
    table.push_str("</tr></thead><tbody>");
    for project in shown {
        let id = s(project, "id");
        let owner = s(project, "owner_department");
        let progress = u(project, "accepted_progress_bp");
        let _ = write!(
            table,
            r#"<tr><td data-label="{h0}"><code>{id}</code></td><td data-label="{h1}"><a href="{prefix}/projects/{href}">{name}</a></td><td data-label="{h2}">{dept}</td><td data-label="{h3}">{stage}</td><td class="num" data-label="{h4}">{budget}</td><td class="num" data-label="{h5}">{paid}</td><td class="num" data-label="{h6}"><progress max="10000" value="{bp}"></progress> {pct}</td></tr>"#,
            h0 = headers[0],
            h1 = headers[1],
            h2 = headers[2],
            h3 = headers[3],
            h4 = headers[4],
            h5 = headers[5],
            h6 = headers[6],
            id = esc(id),
            prefix = lang.prefix(),
            href = url_value(id),
            name = esc(s(project, "name")),
            dept = esc(names.get(owner).map_or(owner, String::as_str)),
            stage = stage_label(lang, s(project, "stage")),
            budget = money(u(project, "budget_fen")),
            paid = money(u(project, "disbursed_fen")),
            bp = progress.min(10_000),
            pct = percent(progress),
        );
    }
    table.push_str("</tbody></table>");
    let end = start + shown.len();
    if end < projects.len() {
        let after = s(&projects[end - 1], "id");
        let query = filters.query();
        let _ = write!(
            table,
            r#"<nav class="pages"><a href="{}/?{}{}after={}">{} →</a></nav>"#,
            lang.prefix(),
            esc(&query),
            if query.is_empty() { "" } else { "&amp;" },
            url_value(after),
            lang.t("下一页", "Next page"),
        );
    }
    table
}

fn programme_totals(lang: Lang, projects: &[Value]) -> String {
    let mut totals: BTreeMap<&str, (u64, u64, u64, u64)> = BTreeMap::new();
    for project in projects {
        let programme = project["programme"]
            .as_str()
            .unwrap_or(lang.t("（无专项计划）", "(no programme)"));
        let entry = totals.entry(programme).or_default();
        entry.0 += 1;
        entry.1 = entry.1.saturating_add(u(project, "budget_fen"));
        entry.2 = entry.2.saturating_add(u(project, "committed_fen"));
        entry.3 = entry.3.saturating_add(u(project, "disbursed_fen"));
    }
    if totals.is_empty() {
        return String::new();
    }
    let mut out = format!(
        r#"<h2>{}</h2><table class="cards"><thead><tr><th>{}</th><th class="num">{}</th><th class="num">{}</th><th class="num">{}</th><th class="num">{}</th></tr></thead><tbody>"#,
        lang.t("专项计划汇总", "Programme totals"),
        lang.t("专项计划", "Programme"),
        lang.t("项目数", "Projects"),
        lang.t("预算", "Budget"),
        lang.t("合同金额", "Contracted"),
        lang.t("已支付", "Paid"),
    );
    for (programme, (count, budget, committed, paid)) in totals {
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td class="num" data-label="{}">{count}</td><td class="num" data-label="{}">{}</td><td class="num" data-label="{}">{}</td><td class="num" data-label="{}">{}</td></tr>"#,
            esc(programme),
            lang.t("项目数", "Projects"),
            lang.t("预算", "Budget"),
            money(budget),
            lang.t("合同金额", "Contracted"),
            money(committed),
            lang.t("已支付", "Paid"),
            money(paid),
        );
    }
    out.push_str("</tbody></table>");
    out
}

fn charts_section(lang: Lang, projects: &[Value]) -> String {
    if projects.is_empty() {
        return String::new();
    }
    let mut by_category: BTreeMap<&str, (u64, u64)> = BTreeMap::new();
    let mut by_stage: BTreeMap<&str, u64> = BTreeMap::new();
    for project in projects {
        let entry = by_category.entry(s(project, "category")).or_default();
        entry.0 = entry.0.saturating_add(u(project, "budget_fen"));
        entry.1 = entry.1.saturating_add(u(project, "disbursed_fen"));
        *by_stage.entry(s(project, "stage")).or_default() += 1;
    }
    let mut categories: Vec<(&str, (u64, u64))> = by_category.into_iter().collect();
    categories.sort_by(|a, b| b.1.0.cmp(&a.1.0).then(a.0.cmp(b.0)));
    categories.truncate(12);
    let category_rows: Vec<Bar> = categories
        .iter()
        .map(|(category, (budget, paid))| Bar {
            label: (*category).to_owned(),
            value: *budget,
            inner: Some(*paid),
            title: format!(
                "{category}: {} {} / {} {}",
                lang.t("预算", "budget"),
                money(*budget),
                lang.t("已支付", "paid"),
                money(*paid)
            ),
        })
        .collect();
    let stage_rows: Vec<Bar> = STAGES
        .iter()
        .filter_map(|(_, wire)| {
            let count = *by_stage.get(wire)?;
            Some(Bar {
                label: stage_label(lang, wire).to_owned(),
                value: count,
                inner: None,
                title: format!("{}: {count}", stage_label(lang, wire)),
            })
        })
        .collect();
    format!(
        r#"<h2>{}</h2><div class="charts">{}{}</div>"#,
        lang.t("图表", "Charts"),
        bars(
            lang.t("按类别：预算与已支付", "By category: budget and paid"),
            &category_rows,
            &[
                ("#9fb3c8", lang.t("预算", "budget")),
                ("#1e7b34", lang.t("已支付", "paid"))
            ],
        ),
        bars(
            lang.t("各阶段项目数", "Projects by stage"),
            &stage_rows,
            &[]
        ),
    )
}

/// `GET /projects/{id}` and `GET /en/projects/{id}`.
pub fn project(node: &Node, lang: Lang, id: &str) -> Response {
    let state = node.reader().state();
    let path = format!("/projects/{}", url_value(id));
    let Some(view) = queries::public_project(&state, id).ok().flatten() else {
        let body = format!(
            "<h1>{}</h1><p class=\"error\" role=\"alert\">{} <code>{}</code></p><p><a href=\"{}/\">{}</a></p>",
            lang.t("没有这个公开项目", "No such public project"),
            lang.t("没有公开的项目：", "There is no disclosed project"),
            esc(id),
            lang.prefix(),
            lang.t("返回项目列表", "Back to the list")
        );
        return html(StatusCode::NOT_FOUND, page_frame(node, lang, &path, &body));
    };
    let names = department_names(node);
    let owner = s(&view, "owner_department");
    let mut body = format!(
        r#"<p><a href="{}/">← {}</a></p><h1>{}</h1>"#,
        lang.prefix(),
        lang.t("项目列表", "All projects"),
        shown(&view, "name", esc(s(&view, "name")))
    );
    body.push_str(&fields(
        lang,
        &[
            (
                lang.t("项目编号", "Id"),
                shown(&view, "id", format!("<code>{}</code>", esc(id))),
            ),
            (
                lang.t("类别", "Category"),
                shown(&view, "category", esc(s(&view, "category"))),
            ),
            (
                lang.t("地点", "Location"),
                shown(&view, "location", esc(s(&view, "location"))),
            ),
            (
                lang.t("主管部门", "Department"),
                shown(
                    &view,
                    "owner_department",
                    esc(names.get(owner).map_or(owner, String::as_str)),
                ),
            ),
            (
                lang.t("专项计划", "Programme"),
                shown(
                    &view,
                    "programme",
                    esc(view["programme"].as_str().unwrap_or("—")),
                ),
            ),
            (
                lang.t("计划工期", "Planned"),
                format!(
                    "{} – {}",
                    shown(
                        &view,
                        "planned_start_ms",
                        date(u(&view, "planned_start_ms"))
                    ),
                    shown(&view, "planned_end_ms", date(u(&view, "planned_end_ms")))
                ),
            ),
            (
                lang.t("阶段", "Stage"),
                shown(
                    &view,
                    "stage",
                    stage_label(lang, s(&view, "stage")).to_owned(),
                ),
            ),
            (
                lang.t("预算", "Budget"),
                shown(&view, "budget_fen", money(u(&view, "budget_fen"))),
            ),
            (
                lang.t("合同金额", "Contracted"),
                shown(&view, "committed_fen", money(u(&view, "committed_fen"))),
            ),
            (
                lang.t("已支付", "Paid"),
                shown(&view, "disbursed_fen", money(u(&view, "disbursed_fen"))),
            ),
            (
                lang.t("验收进度", "Accepted progress"),
                shown(
                    &view,
                    "accepted_progress_bp",
                    percent(u(&view, "accepted_progress_bp")),
                ),
            ),
            (
                lang.t("验收", "Acceptance"),
                match view["acceptance_passed"].as_bool() {
                    Some(true) => format!(
                        "{} {}",
                        lang.t("通过", "passed"),
                        date(u(&view, "acceptance_ms"))
                    ),
                    Some(false) => lang.t("未通过", "not passed").to_owned(),
                    None => "—".to_owned(),
                },
            ),
        ],
    ));
    let tasks = rectification_views(&state, id);
    let records = evidence_records(node, id, &view, &tasks);
    let marks = Marks(&records);
    body.push_str(&budget_lines(lang, &view));
    body.push_str(&procurement(
        lang,
        &view["procurement"],
        marks.of("procurement", id),
    ));
    body.push_str(&contracts(lang, &view["contracts"], marks));
    body.push_str(&rectifications(lang, &tasks, &names, marks));
    body.push_str(&history(node, lang, id));
    body.push_str(&verification(node, lang, id, &records));
    html(StatusCode::OK, page_frame(node, lang, &path, &body))
}

/// A value the project page shows from field `field` of its project record (record 0 of the
/// page's data block); see [`shown_in`].
fn shown(view: &Value, field: &str, html: String) -> String {
    shown_in(Some(0), view, field, html)
}

/// A value the page shows from field `field` of record `record` of its data block: the verify
/// script checks `data-raw` against the signed view and the element's text against that value
/// as formatted here, so what the page shows cannot differ from what was verified. A value of
/// no record (not disclosed with a leaf) or of a field the view lacks is shown unmarked.
fn shown_in(record: Option<usize>, view: &Value, field: &str, html: String) -> String {
    match (record, view.get(field)) {
        (Some(record), Some(value)) => format!(
            r#"<span data-record="{record}" data-field="{}" data-raw="{}">{html}</span>"#,
            esc(field),
            esc(&value.to_string())
        ),
        _ => html,
    }
}

/// Where each record of the page's data block is, by kind and id.
#[derive(Clone, Copy)]
struct Marks<'a>(&'a [Value]);

impl Marks<'_> {
    fn of(self, kind: &str, id: &str) -> Option<usize> {
        self.0
            .iter()
            .position(|r| r["kind"] == kind && r["id"] == id)
    }
}

fn fields(_lang: Lang, rows: &[(&str, String)]) -> String {
    let mut out = String::from("<dl class=\"fields\">");
    for (name, value) in rows {
        let _ = write!(out, "<dt>{name}</dt><dd>{value}</dd>");
    }
    out.push_str("</dl>");
    out
}

fn budget_lines(lang: Lang, view: &Value) -> String {
    let Some(lines) = view["budget_lines"].as_array().filter(|l| !l.is_empty()) else {
        return String::new();
    };
    let mut out = format!(
        r#"<h2>{}</h2><table><thead><tr><th>{}</th><th>{}</th><th class="num">{}</th></tr></thead><tbody>"#,
        lang.t("预算明细", "Budget lines"),
        lang.t("科目", "Code"),
        lang.t("名称", "Name"),
        lang.t("金额", "Amount")
    );
    for line in lines {
        let _ = write!(
            out,
            r#"<tr><td><code>{}</code></td><td>{}</td><td class="num">{}</td></tr>"#,
            esc(s(line, "code")),
            esc(s(line, "name")),
            money(u(line, "amount_fen"))
        );
    }
    out.push_str("</tbody></table>");
    out
}

fn procurement(lang: Lang, procurement: &Value, record: Option<usize>) -> String {
    if procurement.is_null() {
        return String::new();
    }
    let mut rows = vec![
        (
            lang.t("公告编号", "Notice"),
            shown_in(
                record,
                procurement,
                "announcement_ref",
                esc(s(procurement, "announcement_ref")),
            ),
        ),
        (
            lang.t("采购方式", "Method"),
            method_label(lang, s(procurement, "method")).to_owned(),
        ),
        (
            lang.t("开始日期", "Started"),
            shown_in(
                record,
                procurement,
                "started_ms",
                date(u(procurement, "started_ms")),
            ),
        ),
    ];
    if let Some(winner) = procurement["winner_name"].as_str() {
        rows.push((
            lang.t("中标单位", "Winner"),
            format!(
                "{} <code>{}</code>",
                esc(winner),
                esc(s(procurement, "winner_credit_code"))
            ),
        ));
        rows.push((
            lang.t("中标金额", "Award"),
            shown_in(
                record,
                procurement,
                "award_fen",
                money(u(procurement, "award_fen")),
            ),
        ));
        rows.push((
            lang.t("投标人数", "Bidders"),
            u(procurement, "bidders").to_string(),
        ));
    }
    format!(
        "<h2>{}</h2>{}",
        lang.t("招标采购", "Procurement"),
        fields(lang, &rows)
    )
}

/// How a procurement method (by its wire name) reads.
fn method_label(lang: Lang, wire: &str) -> &'static str {
    match wire {
        "open_tender" => lang.t("公开招标", "open tender"),
        "invited_tender" => lang.t("邀请招标", "invited tender"),
        "competitive_negotiation" => lang.t("竞争性谈判", "competitive negotiation"),
        "competitive_consultation" => lang.t("竞争性磋商", "competitive consultation"),
        "inquiry" => lang.t("询价", "inquiry"),
        "single_source" => lang.t("单一来源", "single source"),
        _ => lang.t("其他", "other"),
    }
}

fn contracts(lang: Lang, contracts: &Value, marks: Marks<'_>) -> String {
    let Some(list) = contracts.as_array().filter(|l| !l.is_empty()) else {
        return String::new();
    };
    let mut out = format!("<h2>{}</h2>", lang.t("合同", "Contracts"));
    for contract in list {
        let record = marks.of("contract", s(contract, "id"));
        let mark = |field: &str, html: String| shown_in(record, contract, field, html);
        out.push_str(&fields(
            lang,
            &[
                (
                    lang.t("合同编号", "Contract"),
                    mark("id", format!("<code>{}</code>", esc(s(contract, "id")))),
                ),
                (
                    lang.t("承建单位", "Contractor"),
                    format!(
                        "{} {}",
                        mark("contractor_name", esc(s(contract, "contractor_name"))),
                        mark(
                            "contractor_credit_code",
                            format!(
                                "<code>{}</code>",
                                esc(s(contract, "contractor_credit_code"))
                            )
                        )
                    ),
                ),
                (
                    lang.t("合同金额", "Amount"),
                    mark("amount_fen", money(u(contract, "amount_fen"))),
                ),
                (
                    lang.t("已支付", "Paid"),
                    mark("paid_fen", money(u(contract, "paid_fen"))),
                ),
                (
                    lang.t("签订日期", "Signed"),
                    mark("signed_ms", date(u(contract, "signed_ms"))),
                ),
            ],
        ));
        if let Some(milestones) = contract["milestones"].as_array().filter(|m| !m.is_empty()) {
            let _ = write!(
                out,
                r#"<table class="cards"><thead><tr><th>{}</th><th>{}</th><th class="num">{}</th><th>{}</th></tr></thead><tbody>"#,
                lang.t("里程碑", "Milestone"),
                lang.t("计划日期", "Due"),
                lang.t("付款比例", "Payment share"),
                lang.t("完成", "Reached"),
            );
            for milestone in milestones {
                let _ = write!(
                    out,
                    r#"<tr><td>{}</td><td data-label="{}">{}</td><td class="num" data-label="{}">{}</td><td data-label="{}">{}</td></tr>"#,
                    esc(s(milestone, "name")),
                    lang.t("计划日期", "Due"),
                    date(u(milestone, "due_ms")),
                    lang.t("付款比例", "Payment share"),
                    percent(u(milestone, "share_bp")),
                    lang.t("完成", "Reached"),
                    milestone["reached_ms"]
                        .as_u64()
                        .map_or_else(|| "—".to_owned(), date),
                );
            }
            out.push_str("</tbody></table>");
        }
    }
    out
}

/// The public views of a project's disclosed rectification tasks (at most 200), read from the
/// same state as the rest of the page.
fn rectification_views(state: &CommittedState<'_>, id: &str) -> Vec<Value> {
    let filter = RectificationFilter {
        project: Some(id.to_owned()),
        ..RectificationFilter::default()
    };
    queries::rectifications(state, &filter, None, 200)
        .map(|page| {
            page.items
                .iter()
                .filter_map(Disclose::public_view)
                .collect()
        })
        .unwrap_or_default()
}

fn rectifications(
    lang: Lang,
    tasks: &[Value],
    names: &HashMap<String, String>,
    marks: Marks<'_>,
) -> String {
    if tasks.is_empty() {
        return String::new();
    }
    let mut out = format!(
        r#"<h2>{}</h2><table class="cards"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>"#,
        lang.t("整改措施", "Rectification measures"),
        lang.t("事项", "Task"),
        lang.t("责任部门", "Responsible"),
        lang.t("期限", "Deadline"),
        lang.t("状态", "Status"),
    );
    for task in tasks {
        let status = match s(task, "status") {
            "open" => lang.t("整改中", "open"),
            "submitted" => lang.t("已提交", "submitted"),
            "verified" => lang.t("已核实", "verified"),
            "reopened" => lang.t("重新整改", "reopened"),
            _ => "—",
        };
        let overdue = if task["overdue"].as_bool() == Some(true) {
            lang.t("（已逾期）", " (overdue)")
        } else {
            ""
        };
        let _ = write!(
            out,
            r#"<tr><td>{}</td><td data-label="{}">{}</td><td data-label="{}">{}</td><td data-label="{}">{status}{overdue}</td></tr>"#,
            shown_in(
                marks.of("rectification", s(task, "id")),
                task,
                "title",
                esc(s(task, "title"))
            ),
            lang.t("责任部门", "Responsible"),
            esc(names
                .get(s(task, "responsible_department"))
                .map_or(s(task, "responsible_department"), String::as_str)),
            lang.t("期限", "Deadline"),
            shown_in(
                marks.of("rectification", s(task, "id")),
                task,
                "deadline_ms",
                date(u(task, "deadline_ms"))
            ),
            lang.t("状态", "Status"),
        );
    }
    out.push_str("</tbody></table>");
    out
}

/// The project's disclosed versions from the public log: when, by which transaction, and
/// which public fields changed.
fn history(node: &Node, lang: Lang, id: &str) -> String {
    let reader = node.reader();
    let indexes = reader
        .public_record_history("project", id, HISTORY_MAX)
        .unwrap_or_default();
    if indexes.is_empty() {
        return String::new();
    }
    let mut out = format!(
        r#"<h2>{}</h2><table class="cards"><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>"#,
        lang.t("公开记录的变更历史", "Disclosed history"),
        lang.t("日志序号", "Leaf"),
        lang.t("区块", "Block"),
        lang.t("交易", "Transaction"),
        lang.t("变更的字段", "Fields changed"),
    );
    let mut previous: Option<Value> = None;
    for index in indexes {
        let Some(leaf) = reader
            .public_leaf(index)
            .ok()
            .flatten()
            .and_then(|bytes| PublicLeaf::parse(&bytes).ok())
        else {
            continue;
        };
        let changed = changed_fields(lang, previous.as_ref(), leaf.view.as_ref());
        let time = reader
            .header(leaf.height)
            .ok()
            .flatten()
            .map(|h| date(h.timestamp_ms))
            .unwrap_or_default();
        let tx = if leaf.tx == SWEEP_TX {
            lang.t("（到期自动处理）", "(deadline sweep)").to_owned()
        } else {
            format!("<code>{}…</code>", &leaf.tx.to_hex()[..16])
        };
        let _ = write!(
            out,
            r#"<tr><td><a href="/public/v1/proofs/inclusion?leaf_index={index}">#{index}</a></td><td data-label="{}">{} · {time}</td><td data-label="{}">{tx}</td><td data-label="{}">{}</td></tr>"#,
            lang.t("区块", "Block"),
            leaf.height,
            lang.t("交易", "Transaction"),
            lang.t("变更的字段", "Fields changed"),
            esc(&changed),
        );
        previous = leaf.view;
    }
    out.push_str("</tbody></table>");
    out
}

/// The public fields that differ between two versions of a view.
fn changed_fields(lang: Lang, before: Option<&Value>, after: Option<&Value>) -> String {
    match (before, after) {
        (_, None) => lang.t("不再公开", "no longer public").into(),
        (None, Some(_)) => lang.t("首次公开", "first disclosed").into(),
        (Some(before), Some(after)) => {
            let fields: Vec<&str> = after
                .as_object()
                .map(|object| {
                    object
                        .iter()
                        .filter(|(name, value)| before.get(name.as_str()) != Some(*value))
                        .map(|(name, _)| name.as_str())
                        .collect()
                })
                .unwrap_or_default();
            fields.join(", ")
        }
    }
}

/// How anyone can check this record: its leaf, the signed checkpoint, the command that
/// verifies it with the genesis file alone, and the 验证此记录 button (shown by
/// `/portal/verify.js` where scripts run) with the page's data block it checks.
fn verification(node: &Node, lang: Lang, id: &str, records: &[Value]) -> String {
    let reader = node.reader();
    let Some(index) = records.first().and_then(|r| r["leaf_index"].as_u64()) else {
        return String::new();
    };
    let size = reader
        .latest_public_checkpoint()
        .ok()
        .flatten()
        .map_or(0, |(size, _)| size);
    // `<` escaped so no value can end the element early; JSON reads it back unchanged.
    let block = serde_json::json!({ "records": records })
        .to_string()
        .replace('<', "\\u003c");
    format!(
        r#"<h2>{title}</h2><p>{text}</p><p><button type="button" id="gx-verify" class="verify" hidden>{button}</button></p><div id="gx-verdict" role="status" aria-live="polite"></div><dl class="fields"><dt>{leaf}</dt><dd><a href="/public/v1/proofs/inclusion?leaf_index={index}">#{index}</a> ({of} {size})</dd><dt>{record}</dt><dd><a href="/public/v1/records/project/{href}">/public/v1/records/project/{shown}</a></dd><dt>{checkpoint}</dt><dd><a href="/public/v1/checkpoint">/public/v1/checkpoint</a></dd><dt>{genesis}</dt><dd><a href="/public/v1/genesis">/public/v1/genesis</a></dd><dt>{command}</dt><dd><code>gongxin public verify project {shown} --genesis genesis.json</code></dd></dl><script type="application/json" id="gx-evidence">{block}</script><script src="/portal/verify.js" defer></script>"#,
        title = lang.t("核验此记录", "Verify this record"),
        text = lang.t(
            "这条记录的当前内容是公开披露日志中的一片叶子。用创世文件（其哈希见页首）即可核验：叶子在各部门验证节点签名的检查点所承诺的日志中，且与本页显示的内容一致。点击按钮在浏览器中核验，或用命令行离线核验。",
            "What this page shows is a leaf of the public disclosure log. With the genesis file (its hash is at the top) anyone can check that the leaf is in the log the departments' validators signed, and that it is what this page shows: press the button to check in this browser, or use the command line offline."
        ),
        button = lang.t("验证此记录", "Verify this record"),
        leaf = lang.t("日志叶子", "Leaf"),
        of = lang.t("日志大小", "log size"),
        record = lang.t("记录", "Record"),
        checkpoint = lang.t("检查点", "Checkpoint"),
        genesis = lang.t("创世文件", "Genesis"),
        command = lang.t("命令行核验", "Verify from the command line"),
        href = url_value(id),
        shown = esc(id),
    )
}

/// The records of the page's data block (`#gx-evidence`, JSON the browser does not execute):
/// each record the page shows with its latest leaf index and the public view it was rendered
/// from — the project (record 0), then its procurement, contracts and rectification tasks
/// where they are disclosed. Empty when the project has no leaf.
fn evidence_records(node: &Node, id: &str, page_view: &Value, tasks: &[Value]) -> Vec<Value> {
    let reader = node.reader();
    let Some(index) = reader.public_record_leaf("project", id).ok().flatten() else {
        return Vec::new();
    };
    let mut project = page_view.clone();
    if let Some(object) = project.as_object_mut() {
        // The page's view joins the procurement and contracts, which are records of their own.
        object.remove("procurement");
        object.remove("contracts");
    }
    let mut records = vec![serde_json::json!({
        "kind": "project", "id": id, "leaf_index": index, "view": project,
    })];
    let mut add = |kind: &str, record_id: &str, view: &Value| {
        if let Ok(Some(leaf)) = reader.public_record_leaf(kind, record_id) {
            records.push(serde_json::json!({
                "kind": kind, "id": record_id, "leaf_index": leaf, "view": view,
            }));
        }
    };
    if page_view["procurement"].is_object() {
        add("procurement", id, &page_view["procurement"]);
    }
    for contract in page_view["contracts"].as_array().into_iter().flatten() {
        if let Some(contract_id) = contract["id"].as_str() {
            add("contract", contract_id, contract);
        }
    }
    for task in tasks {
        if let Some(task_id) = task["id"].as_str() {
            add("rectification", task_id, task);
        }
    }
    records
}

/// `GET /portal/projects.csv`: the filtered list as CSV (UTF-8 with BOM, for Excel).
pub fn csv(node: &Node, query: &Query) -> Response {
    use crate::exports::{Cell, CsvWriter};
    let filters = Filters::read(query);
    let Ok(filter) = filters.project_filter(Lang::Zh) else {
        return super::error::ApiError::bad_request("bad_query", "no such stage").into_response();
    };
    let (projects, _) = selected(node, &filters, &filter);
    let headers = [
        "项目编号 id",
        "名称 name",
        "主管部门 department",
        "类别 category",
        "专项计划 programme",
        "阶段 stage",
        "预算 budget",
        "合同金额 committed",
        "已支付 disbursed",
        "验收进度 accepted progress",
        "计划开工 planned start",
        "计划完工 planned end",
        "日志叶子 leaf index",
    ];
    let write = || -> std::io::Result<Vec<u8>> {
        let mut writer = CsvWriter::new(Vec::new(), &headers)?;
        for project in &projects {
            let id = s(project, "id");
            let leaf = node
                .reader()
                .public_record_leaf("project", id)
                .ok()
                .flatten();
            writer.row(&[
                Cell::text(id),
                Cell::text(s(project, "name")),
                Cell::text(s(project, "owner_department")),
                Cell::text(s(project, "category")),
                Cell::text(project["programme"].as_str().unwrap_or_default()),
                Cell::text(s(project, "stage")),
                Cell::Money(u(project, "budget_fen")),
                Cell::Money(u(project, "committed_fen")),
                Cell::Money(u(project, "disbursed_fen")),
                Cell::Percent(u(project, "accepted_progress_bp")),
                Cell::Date(u(project, "planned_start_ms")),
                Cell::Date(u(project, "planned_end_ms")),
                leaf.map_or(Cell::Empty, Cell::Int),
            ])?;
        }
        writer.finish()
    };
    match write() {
        Ok(bytes) => {
            let reply = warp::reply::with_header(bytes, "content-type", "text/csv; charset=utf-8");
            warp::reply::with_header(
                reply,
                "content-disposition",
                "attachment; filename=\"public-projects.csv\"",
            )
            .into_response()
        }
        Err(e) => super::error::ApiError::internal(format!("csv: {e}")).into_response(),
    }
}

#[cfg(test)]
mod tests {
    use gongxin_core::model::ProjectStage;

    use super::*;

    #[test]
    fn changed_fields_name_what_differs() {
        let a = serde_json::json!({"stage": "approved", "budget_fen": 1, "name": "x"});
        let b = serde_json::json!({"stage": "budgeted", "budget_fen": 2, "name": "x"});
        assert_eq!(
            changed_fields(Lang::En, Some(&a), Some(&b)),
            "stage, budget_fen"
        );
        assert_eq!(changed_fields(Lang::En, None, Some(&a)), "first disclosed");
        assert_eq!(changed_fields(Lang::Zh, Some(&a), None), "不再公开");
    }

    #[test]
    fn filters_keep_their_query_and_refuse_an_unknown_stage() {
        let query: Query = [
            ("q".to_owned(), "智慧 路".to_owned()),
            ("stage".to_owned(), "in_progress".to_owned()),
            ("department".to_owned(), " ".to_owned()),
        ]
        .into_iter()
        .collect();
        let filters = Filters::read(&query);
        assert_eq!(filters.department, None, "a blank field is no filter");
        assert!(filters.query().contains("stage=in_progress"));
        assert!(filters.query().contains("q=%E6%99%BA%E6%85%A7%20%E8%B7%AF"));
        assert_eq!(
            filters.project_filter(Lang::En).unwrap().stage,
            Some(ProjectStage::InProgress)
        );
        let bad = Filters {
            stage: Some("<nope>".into()),
            ..Filters::default()
        };
        assert!(bad.project_filter(Lang::Zh).is_err());
    }
}
