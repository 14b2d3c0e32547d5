//! # gongxin-minutes — meeting minutes in, draft rectification tasks out
//!
//! The seed asks for "利用NLP提取会议纪要中的任务指令". Minutes of an inspection or
//! co-ordination meeting say who must do what by when in a handful of fixed ways
//! (`由交通局牵头，于12月31日前完成…`, `请生态环境局李娜同志下周五前提交…`,
//! `…三十日内整改到位，确保连续三个月监测达标`). This crate reads them with rules and the ledger's
//! own dictionary ([`Dictionary`]: departments and their short names, members by name or by
//! surname and title, projects by id or name) instead of a general-purpose segmenter: the
//! names that matter are the ledger's, which no general dictionary knows, and every field a
//! rule fills can be traced to the words it came from.
//!
//! [`extract`] splits the text into sentences and keeps those that give an instruction
//! (an action word and a responsible party or a deadline); for each it drafts the task's
//! title, responsible department and person, deadline ([`dates`]) and acceptance standard,
//! names the project when one is mentioned, and lists what it could not find. A draft is a
//! proposal: nothing here signs or submits; the console shows each draft beside its sentence
//! for a person to edit, approve and sign.

pub mod dates;
pub mod dictionary;
pub mod evaluation;
pub mod numerals;

use std::sync::LazyLock;

use regex::Regex;
use serde::Serialize;

pub use dates::{Day, Deadline, day_of, find_deadline};
pub use dictionary::{DepartmentEntry, Dictionary, PersonEntry, ProjectEntry};

/// Words that make a sentence an instruction.
const ACTION_WORDS: &[&str] = &[
    "负责", "牵头", "落实", "完成", "整改", "提交", "报送", "上报", "抓紧", "务必", "确保", "督促",
    "制定", "开展", "推进", "组织", "核查", "补齐", "清理", "加快", "修订", "反馈", "到位", "约谈",
    "召开", "部署", "办理", "答复", "排查", "整治", "修复", "拨付",
];

/// Openings that report rather than instruct ("会议听取了…"): such a sentence is a task only
/// if it still names a deadline.
const REPORTING_OPENINGS: &[&str] = &[
    "会议听取",
    "会议审议",
    "会议认为",
    "会议通报",
    "会议学习",
    "与会",
    "会上",
    "会议介绍",
    "会议回顾",
    "参会",
];

/// The header lines of minutes (`时间：…`, `主持：…`): never an instruction.
const HEADER_FIELDS: &[&str] = &[
    "时间",
    "日期",
    "地点",
    "主持",
    "主持人",
    "参会",
    "参会单位",
    "参会人员",
    "出席",
    "列席",
    "记录",
    "记录人",
];

/// How titles map to member roles.
const TITLES: &[(&str, &str)] = &[
    ("副局长", "director"),
    ("局长", "director"),
    ("主任", "director"),
    ("处长", "section_chief"),
    ("科长", "section_chief"),
    ("专员", "specialist"),
    ("审计员", "auditor"),
];

/// The longest title kept on a draft.
pub const TITLE_CHARS_MAX: usize = 60;

/// A responsible department found in a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundDepartment {
    pub id: String,
    /// The words it was read from.
    pub text: String,
}

/// A responsible person found in a sentence: resolved to a member when the dictionary allows
/// exactly one, else only the words.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FoundPerson {
    pub name: Option<String>,
    pub public_key: Option<String>,
    pub department: Option<String>,
    pub text: String,
}

/// One draft task and where it came from.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Draft {
    /// The sentence's position among the text's sentences (0-based).
    pub sentence_index: usize,
    pub sentence: String,
    /// Byte range of the sentence in the text.
    pub start: usize,
    pub end: usize,
    pub title: String,
    pub department: Option<FoundDepartment>,
    pub person: Option<FoundPerson>,
    pub deadline: Option<Deadline>,
    pub acceptance_standard: Option<String>,
    pub project: Option<String>,
    /// The fields a person must still fill: `department`, `person`, `deadline`,
    /// `acceptance_standard`.
    pub missing: Vec<&'static str>,
}

/// What [`extract`] read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Extraction {
    /// The meeting's date: from the minutes' header when it has one, else the one given.
    pub meeting_date: String,
    pub sentences: usize,
    pub drafts: Vec<Draft>,
}

/// A sentence and its byte range in the text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Sentence<'a> {
    pub text: &'a str,
    pub start: usize,
}

/// Splits on 。！？；, line breaks and their ASCII forms; trims whitespace; drops empties.
pub fn sentences(text: &str) -> Vec<Sentence<'_>> {
    let mut out = Vec::new();
    let mut start = 0;
    for (i, c) in text.char_indices() {
        if matches!(c, '。' | '！' | '？' | '；' | '\n' | ';' | '!' | '?') {
            push_trimmed(&mut out, text, start, i);
            start = i + c.len_utf8();
        }
    }
    push_trimmed(&mut out, text, start, text.len());
    out
}

fn push_trimmed<'a>(out: &mut Vec<Sentence<'a>>, text: &'a str, start: usize, end: usize) {
    let raw = &text[start..end];
    let trimmed = raw.trim();
    if !trimmed.is_empty() {
        let offset = raw.find(trimmed).unwrap_or(0);
        out.push(Sentence {
            text: trimmed,
            start: start + offset,
        });
    }
}

static NUMBERING: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"^(?:[（(]?[一二三四五六七八九十\d]+[）)、.．]\s*)+")
        .expect("the numbering pattern is valid")
});

static HEADER_DATE: LazyLock<Regex> = LazyLock::new(|| {
    Regex::new(r"(?:时间|日期)[：:]\s*(\d{4})年(\d{1,2})月(\d{1,2})日")
        .expect("the header date pattern is valid")
});

static ACCEPTANCE: LazyLock<Vec<Regex>> = LazyLock::new(|| {
    [
        r"验收标准[为是：:]\s*(?P<s>[^，。；]+)",
        r"(?:确保|做到|达到)(?P<s>[^，。；]+)",
        r"以(?P<s>[^，。；]+?)为(?:准|验收标准)",
    ]
    .iter()
    .map(|p| Regex::new(p).expect("the acceptance patterns are valid"))
    .collect()
});

static TITLED: LazyLock<Regex> = LazyLock::new(|| {
    let titles: Vec<&str> = TITLES.iter().map(|(t, _)| *t).collect();
    Regex::new(&format!(
        r"(?P<surname>[\p{{Han}}]?)(?P<title>{})",
        titles.join("|")
    ))
    .expect("the title pattern is valid")
});

/// The meeting's day: a `时间：2026年11月20日` line near the top, else `fallback`.
pub fn meeting_day(text: &str, fallback: Day) -> Day {
    let head: String = text.lines().take(6).collect::<Vec<_>>().join("\n");
    HEADER_DATE
        .captures(&head)
        .and_then(|c| {
            let n = |i: usize| c.get(i)?.as_str().parse::<u32>().ok();
            let (y, m, d) = (n(1)?, n(2)?, n(3)?);
            let day = gongxin_core::calendar::days_from_civil(i64::from(y), m, d);
            // 2月31日 is no date: the fallback is used rather than 3 March.
            (gongxin_core::calendar::civil_from_days(day) == (i64::from(y), m, d)).then_some(day)
        })
        .unwrap_or(fallback)
}

/// The department answerable: the one followed by 牵头 or 负责, else the one after 由, 请 or
/// 要求, else the first named.
fn responsible_department(
    sentence: &str,
    mentions: &[dictionary::Mention],
) -> Option<FoundDepartment> {
    let lead = mentions.iter().find(|m| {
        let after = &sentence[m.end..];
        after.starts_with("牵头") || after.starts_with("负责")
    });
    let asked = mentions.iter().find(|m| {
        let before = &sentence[..m.start];
        ["由", "请", "要求", "责成"]
            .iter()
            .any(|w| before.ends_with(w))
    });
    let m = lead.or(asked).or(mentions.first())?;
    Some(FoundDepartment {
        id: m.value.clone(),
        text: sentence[m.start..m.end].to_owned(),
    })
}

/// The person answerable: a member named in full, else a surname with a title (张科长) or a
/// title after the department (交通局局长), resolved when exactly one member fits.
fn responsible_person(
    dict: &Dictionary,
    matcher: &dictionary::Matcher,
    sentence: &str,
    department: Option<&FoundDepartment>,
) -> Option<FoundPerson> {
    if let Some(m) = matcher.people(sentence).first() {
        // Two members may share a name: the one in the department found wins; still two,
        // nobody is guessed.
        let named = dict.people_named(&m.value);
        let in_department: Vec<&PersonEntry> = named
            .iter()
            .copied()
            .filter(|p| department.is_none_or(|d| p.department == d.id))
            .collect();
        let candidates = if in_department.is_empty() {
            named
        } else {
            in_department
        };
        let only = (candidates.len() == 1).then(|| candidates[0]);
        return Some(FoundPerson {
            name: only.map(|p| p.name.clone()),
            public_key: only.map(|p| p.public_key.clone()),
            department: only
                .map(|p| p.department.clone())
                .or_else(|| department.map(|d| d.id.clone())),
            text: sentence[m.start..m.end].to_owned(),
        });
    }
    let c = TITLED.captures(sentence)?;
    let title = c.name("title")?.as_str();
    let role = TITLES.iter().find(|(t, _)| *t == title)?.1;
    let surname = c
        .name("surname")
        .and_then(|s| s.as_str().chars().next())
        // A department's last character (交通局局长) is not a surname.
        .filter(|s| !['局', '委', '办', '厅', '组', '处', '科', '市', '区', '县'].contains(s));
    let department_id = department.map(|d| d.id.as_str());
    let candidates = dict.people_like(department_id, role, surname);
    let text = match surname {
        Some(s) => format!("{s}{title}"),
        None => title.to_owned(),
    };
    let only = (candidates.len() == 1).then(|| candidates[0]);
    Some(FoundPerson {
        name: only.map(|p| p.name.clone()),
        public_key: only.map(|p| p.public_key.clone()),
        department: only
            .map(|p| p.department.clone())
            .or(department_id.map(str::to_owned)),
        text,
    })
}

fn acceptance_standard(sentence: &str) -> Option<String> {
    ACCEPTANCE.iter().find_map(|re| {
        let s = re.captures(sentence)?.name("s")?.as_str().trim();
        (!s.is_empty()).then(|| s.to_owned())
    })
}

/// The instruction in a few words: the sentence without its numbering, the deadline phrase
/// and the words that introduce the responsible party, cut at [`TITLE_CHARS_MAX`].
fn title_of(sentence: &str, deadline: Option<&Deadline>) -> String {
    let mut t = NUMBERING.replace(sentence, "").into_owned();
    if let Some(d) = deadline {
        for (before, after) in [
            ("于", "前"),
            ("在", "前"),
            ("", "前"),
            ("", "之前"),
            ("", "以前"),
            ("", "内"),
            ("", "之内"),
            ("", ""),
        ] {
            let phrase = format!("{before}{}{after}", d.text);
            if t.contains(&phrase) {
                t = t.replacen(&phrase, "", 1);
                break;
            }
        }
    }
    for lead in ["会议要求", "会议决定", "会议明确", "请"] {
        if let Some(rest) = t.strip_prefix(lead) {
            t = rest.to_owned();
        }
    }
    let t = t.trim_matches(|c: char| c.is_whitespace() || "，,：:、".contains(c));
    t.chars().take(TITLE_CHARS_MAX).collect()
}

/// Whether `sentence` gives an instruction, given what was found in it.
fn is_instruction(sentence: &str, has_party: bool, has_deadline: bool) -> bool {
    let body = NUMBERING.replace(sentence, "");
    // The title line (…会议纪要) and the header fields describe the meeting.
    let header = body
        .split_once(['：', ':'])
        .is_some_and(|(field, _)| HEADER_FIELDS.contains(&field.trim()));
    if header || body.ends_with("纪要") || body.ends_with("会议记录") {
        return false;
    }
    let acts = ACTION_WORDS.iter().any(|w| body.contains(w));
    let reports = REPORTING_OPENINGS.iter().any(|w| body.starts_with(w));
    acts && (has_deadline || (has_party && !reports))
}

/// Drafts the tasks of `text`, read against the meeting day (from the header, else
/// `fallback_meeting_day`).
pub fn extract(text: &str, dict: &Dictionary, fallback_meeting_day: Day) -> Extraction {
    let meeting = meeting_day(text, fallback_meeting_day);
    let all = sentences(text);
    let matcher = dict.matcher();
    let mut drafts = Vec::new();
    for (index, s) in all.iter().enumerate() {
        let departments = matcher.departments(s.text);
        let department = responsible_department(s.text, &departments);
        let person = responsible_person(dict, &matcher, s.text, department.as_ref());
        let deadline = find_deadline(s.text, meeting);
        if !is_instruction(
            s.text,
            department.is_some() || person.is_some(),
            deadline.is_some(),
        ) {
            continue;
        }
        // A person resolved to a member also names the department when none was written.
        let department = department.or_else(|| {
            let p = person.as_ref()?;
            Some(FoundDepartment {
                id: p.department.clone()?,
                text: p.text.clone(),
            })
        });
        let acceptance_standard = acceptance_standard(s.text);
        let mut missing = Vec::new();
        if department.is_none() {
            missing.push("department");
        }
        if person.as_ref().is_none_or(|p| p.public_key.is_none()) {
            missing.push("person");
        }
        if deadline.is_none() {
            missing.push("deadline");
        }
        if acceptance_standard.is_none() {
            missing.push("acceptance_standard");
        }
        drafts.push(Draft {
            sentence_index: index,
            sentence: s.text.to_owned(),
            start: s.start,
            end: s.start + s.text.len(),
            title: title_of(s.text, deadline.as_ref()),
            project: matcher.projects(s.text).first().map(|m| m.value.clone()),
            department,
            person,
            deadline,
            acceptance_standard,
            missing,
        });
    }
    Extraction {
        meeting_date: dates::iso(meeting),
        sentences: all.len(),
        drafts,
    }
}

#[cfg(test)]
mod tests;
