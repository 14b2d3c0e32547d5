//! HTML for the public portal: escaping, the page frame, the two languages, and how money,
//! dates and stages read. Everything interpolated into a page goes through [`esc`].

use std::fmt::Write as _;

use gongxin_core::calendar::beijing_date;
use gongxin_core::model::ProjectStage;

/// The portal's two languages: Chinese at `/`, English at `/en/`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Lang {
    Zh,
    En,
}

impl Lang {
    /// The path prefix of this language's pages (`""` or `"/en"`).
    pub fn prefix(self) -> &'static str {
        match self {
            Lang::Zh => "",
            Lang::En => "/en",
        }
    }

    /// `zh` or `en` text.
    pub fn t(self, zh: &'static str, en: &'static str) -> &'static str {
        match self {
            Lang::Zh => zh,
            Lang::En => en,
        }
    }

    fn html_lang(self) -> &'static str {
        self.t("zh-CN", "en")
    }
}

/// HTML-escapes text for element content and double-quoted attributes.
pub fn esc(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

/// Percent-encodes a query value.
pub fn url_value(text: &str) -> String {
    let mut out = String::new();
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'_' | b'.' | b'~') {
            out.push(byte as char);
        } else {
            let _ = write!(out, "%{byte:02X}");
        }
    }
    out
}

/// Fen as yuan with thousands separators: `¥1,234,567.89`.
pub fn money(fen: u64) -> String {
    let yuan = (fen / 100).to_string();
    let mut grouped = String::new();
    for (i, digit) in yuan.chars().enumerate() {
        if i > 0 && (yuan.len() - i).is_multiple_of(3) {
            grouped.push(',');
        }
        grouped.push(digit);
    }
    format!("¥{grouped}.{:02}", fen % 100)
}

/// Basis points as a percent with one decimal.
pub fn percent(bp: u64) -> String {
    format!("{}.{}%", bp / 100, (bp % 100) / 10)
}

/// A day in Beijing time.
pub fn date(ms: u64) -> String {
    beijing_date(ms)
}

/// Every stage, in lifecycle order, with its wire name.
pub const STAGES: &[(ProjectStage, &str)] = &[
    (ProjectStage::Proposed, "proposed"),
    (ProjectStage::Approved, "approved"),
    (ProjectStage::Budgeted, "budgeted"),
    (ProjectStage::Procurement, "procurement"),
    (ProjectStage::Contracted, "contracted"),
    (ProjectStage::InProgress, "in_progress"),
    (ProjectStage::AcceptanceRequested, "acceptance_requested"),
    (ProjectStage::Accepted, "accepted"),
    (ProjectStage::Evaluated, "evaluated"),
    (ProjectStage::Closed, "closed"),
    (ProjectStage::Suspended, "suspended"),
    (ProjectStage::Cancelled, "cancelled"),
];

/// How a stage (by its wire name) reads.
pub fn stage_label(lang: Lang, wire: &str) -> &'static str {
    match wire {
        "proposed" => lang.t("申报", "Proposed"),
        "approved" => lang.t("立项", "Approved"),
        "budgeted" => lang.t("预算批复", "Budgeted"),
        "procurement" => lang.t("招标采购", "Procurement"),
        "contracted" => lang.t("合同签订", "Contracted"),
        "in_progress" => lang.t("实施中", "In progress"),
        "acceptance_requested" => lang.t("申请验收", "Acceptance requested"),
        "accepted" => lang.t("已验收", "Accepted"),
        "evaluated" => lang.t("已后评价", "Evaluated"),
        "closed" => lang.t("已关闭", "Closed"),
        "suspended" => lang.t("暂停", "Suspended"),
        "cancelled" => lang.t("已撤销", "Cancelled"),
        _ => lang.t("未知", "Unknown"),
    }
}

/// The page frame: head, header with the pinned genesis hash, the body, the footer.
pub fn frame(lang: Lang, title: &str, genesis_hash: &str, alternate: &str, body: &str) -> String {
    let home = format!("{}/", lang.prefix());
    let (other_label, other_lang) = match lang {
        Lang::Zh => ("English", "en"),
        Lang::En => ("中文", "zh-CN"),
    };
    format!(
        r#"<!DOCTYPE html>
<html lang="{html_lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{title} · {site}</title>
<meta name="gongxin-genesis" content="{genesis_hash}">
<link rel="stylesheet" href="/portal/portal.css">
</head>
<body>
<header class="top">
<a class="brand" href="{home}">{site}</a>
<a class="lang" href="{alternate}" hreflang="{other_lang}" lang="{other_lang}">{other_label}</a>
<p class="pin">{pin_label} <code>{genesis_hash}</code></p>
</header>
<main>
{body}
</main>
<footer>
<p>{footer}</p>
</footer>
</body>
</html>
"#,
        html_lang = lang.html_lang(),
        title = esc(title),
        site = lang.t("公信链 · 政府投资项目公开", "Gongxin · public project records"),
        alternate = esc(alternate),
        pin_label = lang.t(
            "创世哈希（请与政府公告核对）：",
            "Genesis hash (compare with the one published by the government):"
        ),
        genesis_hash = esc(genesis_hash),
        footer = lang.t(
            "本页只显示依法公开的字段。每条记录都在公开披露日志中，可用检查点及各部门验证节点的签名独立核验。",
            "This page shows disclosed fields only. Every record is in the public disclosure log and can be checked independently against a checkpoint signed by the departments' validators."
        ),
    )
}

/// The portal's style sheet: readable on a phone (tables become cards), no web fonts, nothing
/// fetched from elsewhere.
pub const CSS: &str = r#"
:root { --ink: #1f2933; --muted: #52606d; --line: #d9e2ec; --accent: #b3261e; --ok: #1e7b34; }
* { box-sizing: border-box; }
body { margin: 0; font: 16px/1.55 system-ui, "PingFang SC", "Microsoft YaHei", sans-serif; color: var(--ink); background: #f7f9fb; }
header.top { background: #fff; border-bottom: 3px solid var(--accent); padding: .8rem 1rem; display: flex; flex-wrap: wrap; gap: .4rem 1rem; align-items: baseline; }
.brand { font-weight: 700; font-size: 1.15rem; color: var(--accent); text-decoration: none; }
.lang { margin-left: auto; }
.pin { flex-basis: 100%; margin: 0; font-size: .8rem; color: var(--muted); overflow-wrap: anywhere; }
.pin code, .verdict code { font-size: 1em; }
main { max-width: 72rem; margin: 0 auto; padding: 1rem; }
h1 { font-size: 1.4rem; margin: .5rem 0 1rem; }
h2 { font-size: 1.15rem; margin: 1.6rem 0 .6rem; border-left: 4px solid var(--accent); padding-left: .5rem; }
a { color: #0b5cad; }
form.filters { display: flex; flex-wrap: wrap; gap: .6rem; background: #fff; padding: .8rem; border: 1px solid var(--line); border-radius: 6px; }
form.filters label { display: flex; flex-direction: column; flex: 1 1 11rem; min-width: 0; font-size: .85rem; color: var(--muted); }
form.filters input, form.filters select { font: inherit; padding: .35rem .5rem; width: 100%; max-width: 100%; border: 1px solid #9fb3c8; border-radius: 4px; }
form.filters button { font: inherit; padding: .4rem 1.2rem; align-self: flex-end; background: var(--accent); color: #fff; border: 0; border-radius: 4px; }
table { width: 100%; border-collapse: collapse; background: #fff; border: 1px solid var(--line); }
th, td { text-align: left; padding: .45rem .6rem; border-bottom: 1px solid var(--line); vertical-align: top; }
th { background: #eef2f6; font-weight: 600; font-size: .9rem; }
td.num, th.num { text-align: right; font-variant-numeric: tabular-nums; }
.muted { color: var(--muted); font-size: .85rem; }
.error { background: #fde8e7; border: 1px solid var(--accent); padding: .6rem .8rem; border-radius: 4px; }
progress { width: 4rem; vertical-align: middle; }
.charts { display: grid; grid-template-columns: repeat(auto-fit, minmax(20rem, 1fr)); gap: 1rem; }
figure { margin: 0; background: #fff; border: 1px solid var(--line); border-radius: 6px; padding: .6rem; }
figcaption { font-weight: 600; margin-bottom: .4rem; }
svg text { font: 12px system-ui, sans-serif; fill: var(--ink); }
dl.fields { display: grid; grid-template-columns: max-content 1fr; gap: .3rem 1rem; background: #fff; padding: .8rem; border: 1px solid var(--line); border-radius: 6px; }
dl.fields dt { color: var(--muted); }
dl.fields dd { margin: 0; overflow-wrap: anywhere; }
code { font-size: .85em; overflow-wrap: anywhere; }
button.verify { font: inherit; font-weight: 600; padding: .55rem 1.4rem; min-height: 2.75rem; background: #0b5cad; color: #fff; border: 0; border-radius: 4px; cursor: pointer; }
button.verify:disabled { opacity: .6; cursor: wait; }
.verdict:empty { display: none; }
.verdict { margin: .6rem 0; padding: .7rem .9rem; border-radius: 6px; border: 2px solid var(--line); background: #fff; overflow-wrap: anywhere; }
.verdict.ok { border-color: var(--ok); background: #eaf6ec; }
.verdict.bad { border-color: var(--accent); background: #fde8e7; }
.verdict-head { margin: 0 0 .4rem; font-weight: 700; }
.verdict.ok .verdict-head { color: var(--ok); }
.verdict.bad .verdict-head { color: var(--accent); }
td code { white-space: nowrap; }
nav.pages { margin: .8rem 0; }
footer { max-width: 72rem; margin: 2rem auto; padding: 0 1rem; color: var(--muted); font-size: .85rem; }
@media (max-width: 640px) {
  table.cards thead { display: none; }
  table.cards, table.cards tbody, table.cards tr, table.cards td { display: block; width: 100%; }
  table.cards tr { border-bottom: 2px solid var(--line); padding: .4rem 0; }
  table.cards td { border: 0; padding: .15rem .6rem; text-align: left; }
  table.cards td[data-label]::before { content: attr(data-label) "："; color: var(--muted); font-size: .85rem; }
  dl.fields { grid-template-columns: 1fr; }
  dl.fields dd { margin-bottom: .4rem; }
}
"#;

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_is_escaped_and_money_grouped() {
        assert_eq!(
            esc(r#"<script>alert("x")</script> & 'y'"#),
            "&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; &#39;y&#39;"
        );
        assert_eq!(money(0), "¥0.00");
        assert_eq!(money(123_456_789), "¥1,234,567.89");
        assert_eq!(money(100_000), "¥1,000.00");
        assert_eq!(percent(6_543), "65.4%");
        assert_eq!(url_value("智慧 a&b"), "%E6%99%BA%E6%85%A7%20a%26b");
    }
}
