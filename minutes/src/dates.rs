//! Deadlines as minutes write them, resolved against the meeting's date (China Standard Time):
//! absolute dates (`2026年12月31日`, `12月31日`, `6月底`, `12月中旬`), period ends (`月底`,
//! `下月底`, `年底`, `季度末`), relative spans (`三十日内`, `10个工作日内`, `两周内`,
//! `一个月内`, `半个月内`) and weekdays (`下周五前`, `本周三`, `周五前`), plus `明天` and
//! `后天`. A date without a year is the next such date on or after the meeting.
//!
//! When a sentence holds several dates, the one marked as a limit (followed by 前, 之前, 以前,
//! 内 or 为止, or preceded by 于, 在 or 截至) wins; among equals, the last one. Dates before
//! the meeting are not deadlines.

use std::sync::LazyLock;

use gongxin_core::calendar::{civil_from_days, days_from_civil};
use regex::Regex;
use serde::Serialize;

use crate::numerals::{NUMERAL_CLASS, parse};

const DAY_MS: i64 = 86_400_000;
const CST_OFFSET_MS: i64 = 8 * 3_600_000;

/// A civil day in China Standard Time, as days since 1970-01-01.
pub type Day = i64;

/// The CST day a moment falls on.
pub fn day_of(ms: u64) -> Day {
    (ms as i64 + CST_OFFSET_MS).div_euclid(DAY_MS)
}

/// The last millisecond of a CST day.
pub fn end_of_day_ms(day: Day) -> u64 {
    ((day + 1) * DAY_MS - CST_OFFSET_MS - 1).max(0) as u64
}

/// `2026-12-04`.
pub fn iso(day: Day) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

/// 0 = Monday … 6 = Sunday.
pub fn weekday(day: Day) -> i64 {
    (day + 3).rem_euclid(7)
}

fn month_length(year: i64, month: u32) -> u32 {
    let next = if month == 12 {
        days_from_civil(year + 1, 1, 1)
    } else {
        days_from_civil(year, month + 1, 1)
    };
    (next - days_from_civil(year, month, 1)) as u32
}

fn date(year: i64, month: u32, day: u32) -> Option<Day> {
    ((1..=12).contains(&month) && (1..=month_length(year, month)).contains(&day))
        .then(|| days_from_civil(year, month, day))
}

fn month_end(year: i64, month: u32) -> Day {
    days_from_civil(year, month, month_length(year, month))
}

/// `months` calendar months after `day` (the day of month clamped to the month's length).
fn add_months(day: Day, months: u32) -> Day {
    let (y, m, d) = civil_from_days(day);
    let index = y * 12 + i64::from(m - 1) + i64::from(months);
    let (year, month) = (index.div_euclid(12), (index.rem_euclid(12) + 1) as u32);
    days_from_civil(year, month, d.min(month_length(year, month)))
}

/// `n` working days (Monday–Friday) after `day`.
fn add_working_days(mut day: Day, n: u32) -> Day {
    let mut left = n;
    while left > 0 {
        day += 1;
        if weekday(day) < 5 {
            left -= 1;
        }
    }
    day
}

/// A month and day without a year: the next one on or after the meeting.
fn next_date(meeting: Day, month: u32, day: u32) -> Option<Day> {
    let (year, _, _) = civil_from_days(meeting);
    let this_year = date(year, month, day)?;
    if this_year >= meeting {
        Some(this_year)
    } else {
        date(year + 1, month, day)
    }
}

/// The end of a named part of a month, the next one on or after the meeting.
fn next_month_part(meeting: Day, month: u32, part: &str) -> Option<Day> {
    let (year, _, _) = civil_from_days(meeting);
    let pick = |y: i64| match part {
        "上旬" => date(y, month, 10),
        "中旬" => date(y, month, 20),
        _ => (1..=12).contains(&month).then(|| month_end(y, month)),
    };
    let this_year = pick(year)?;
    if this_year >= meeting {
        Some(this_year)
    } else {
        pick(year + 1)
    }
}

fn weekday_index(c: &str) -> Option<i64> {
    Some(match c {
        "一" => 0,
        "二" => 1,
        "三" => 2,
        "四" => 3,
        "五" => 4,
        "六" => 5,
        "日" | "天" => 6,
        _ => return None,
    })
}

/// A deadline found in a sentence.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Deadline {
    /// The CST day, as `YYYY-MM-DD`.
    pub date: String,
    /// The last millisecond of that day (what a task's `deadline_ms` takes).
    pub deadline_ms: u64,
    /// The words it was read from.
    pub text: String,
    #[serde(skip)]
    pub day: Day,
}

struct Rule {
    pattern: Regex,
    resolve: fn(&regex::Captures<'_>, Day) -> Option<Day>,
}

fn n(c: &regex::Captures<'_>, name: &str) -> Option<u32> {
    parse(c.name(name)?.as_str())
}

fn rules() -> &'static [Rule] {
    static RULES: LazyLock<Vec<Rule>> = LazyLock::new(|| {
        let num = format!("[{NUMERAL_CLASS}]+");
        let within = "(?:内|之内|以内)";
        let rule = |pattern: String, resolve: fn(&regex::Captures<'_>, Day) -> Option<Day>| Rule {
            pattern: Regex::new(&pattern).expect("the deadline patterns are valid"),
            resolve,
        };
        vec![
            // 明年… and 下季度… first: inside them, 年底, 12月31日 and 季度末 would read as this
            // year's and this quarter's.
            rule(
                format!("明年(?P<m>{num})月(?P<d>{num})[日号]"),
                |c, meeting| date(civil_from_days(meeting).0 + 1, n(c, "m")?, n(c, "d")?),
            ),
            rule(
                format!("明年(?P<m>{num})月(?:份)?(?:底|末)"),
                |c, meeting| {
                    let month = n(c, "m")?;
                    (1..=12)
                        .contains(&month)
                        .then(|| month_end(civil_from_days(meeting).0 + 1, month))
                },
            ),
            rule("明年(?:年)?(?:底|末)".into(), |_, meeting| {
                Some(month_end(civil_from_days(meeting).0 + 1, 12))
            }),
            rule("下(?:个|一)?季度?末".into(), |_, meeting| {
                let (y, m, _) = civil_from_days(meeting);
                let quarter_end = m.div_ceil(3) * 3;
                Some(if quarter_end == 12 {
                    month_end(y + 1, 3)
                } else {
                    month_end(y, quarter_end + 3)
                })
            }),
            rule(
                format!("(?P<y>{num})年(?P<m>{num})月(?P<d>{num})[日号]"),
                |c, _| date(i64::from(n(c, "y")?), n(c, "m")?, n(c, "d")?),
            ),
            rule(
                format!("(?P<m>{num})月(?P<d>{num})[日号]"),
                |c, meeting| next_date(meeting, n(c, "m")?, n(c, "d")?),
            ),
            rule(
                format!("(?P<m>{num})月(?:份)?(?P<part>底|末|上旬|中旬|下旬)"),
                |c, meeting| next_month_part(meeting, n(c, "m")?, c.name("part")?.as_str()),
            ),
            rule("(?:下个?月)(?:底|末)".into(), |_, meeting| {
                let next = add_months(meeting - civil_from_days(meeting).2 as i64 + 1, 1);
                let (y, m, _) = civil_from_days(next);
                Some(month_end(y, m))
            }),
            rule(
                "(?:本月|当月|这个月)?月(?:底|末)".into(),
                |_, meeting| {
                    let (y, m, _) = civil_from_days(meeting);
                    Some(month_end(y, m))
                },
            ),
            rule(
                "(?:今年|本年度?)?年(?:底|末)".into(),
                |_, meeting| Some(month_end(civil_from_days(meeting).0, 12)),
            ),
            rule("(?:本|这个)?季度?末".into(), |_, meeting| {
                let (y, m, _) = civil_from_days(meeting);
                Some(month_end(y, m.div_ceil(3) * 3))
            }),
            rule("上半年".into(), |_, meeting| {
                Some(month_end(civil_from_days(meeting).0, 6))
            }),
            rule(
                format!("(?P<n>{num})个?工作日{within}"),
                |c, meeting| Some(add_working_days(meeting, n(c, "n")?)),
            ),
            rule(
                format!("(?P<n>{num})(?:个)?(?:日|天){within}"),
                |c, meeting| Some(meeting + i64::from(n(c, "n")?)),
            ),
            rule(
                format!("(?P<n>{num})(?:个)?(?:周|星期|礼拜){within}"),
                |c, meeting| Some(meeting + 7 * i64::from(n(c, "n")?)),
            ),
            rule(format!("半个月{within}"), |_, meeting| {
                Some(meeting + 15)
            }),
            rule(format!("(?P<n>{num})个月{within}"), |c, meeting| {
                Some(add_months(meeting, n(c, "n")?))
            }),
            rule(
                "(?P<which>下下个?|下个?|本|这个?)(?:周|星期|礼拜)(?:周|星期|礼拜)?(?P<w>[一二三四五六日天])".into(),
                |c, meeting| {
                    let monday = meeting - weekday(meeting);
                    let which = c.name("which")?.as_str();
                    let weeks = if which.starts_with("下下") {
                        2
                    } else if which.starts_with('下') {
                        1
                    } else {
                        0
                    };
                    Some(monday + 7 * weeks + weekday_index(c.name("w")?.as_str())?)
                },
            ),
            rule(
                "(?:周|星期|礼拜)(?P<w>[一二三四五六日天])".into(),
                |c, meeting| {
                    let target = meeting - weekday(meeting) + weekday_index(c.name("w")?.as_str())?;
                    Some(if target >= meeting {
                        target
                    } else {
                        target + 7
                    })
                },
            ),
            rule("明天|明日".into(), |_, meeting| Some(meeting + 1)),
            rule("后天".into(), |_, meeting| Some(meeting + 2)),
        ]
    });
    &RULES
}

/// Whether the words around a date mark it as a limit.
fn marked(sentence: &str, start: usize, end: usize) -> bool {
    let after = &sentence[end..];
    let before = &sentence[..start];
    ["前", "之前", "以前", "内", "为止", "完成"]
        .iter()
        .any(|m| after.starts_with(m))
        || ["于", "在", "截至", "截止"]
            .iter()
            .any(|m| before.ends_with(m))
}

/// The deadline of `sentence`, read against the meeting's day.
pub fn find_deadline(sentence: &str, meeting: Day) -> Option<Deadline> {
    // Every rule's matches; a match inside an earlier rule's (longer, more specific) one is
    // not read again.
    let mut taken: Vec<(usize, usize)> = Vec::new();
    let mut found: Vec<(bool, usize, Deadline)> = Vec::new();
    for rule in rules() {
        for c in rule.pattern.captures_iter(sentence) {
            let whole = c.get(0).expect("group 0 always exists");
            let (start, end) = (whole.start(), whole.end());
            if taken.iter().any(|&(s, e)| start < e && s < end) {
                continue;
            }
            taken.push((start, end));
            let Some(day) = (rule.resolve)(&c, meeting) else {
                continue;
            };
            if day < meeting {
                continue;
            }
            found.push((
                marked(sentence, start, end),
                start,
                Deadline {
                    date: iso(day),
                    deadline_ms: end_of_day_ms(day),
                    text: whole.as_str().to_owned(),
                    day,
                },
            ));
        }
    }
    found
        .into_iter()
        .max_by_key(|(marked, start, _)| (*marked, *start))
        .map(|(_, _, d)| d)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Friday 20 November 2026.
    fn meeting() -> Day {
        days_from_civil(2026, 11, 20)
    }

    fn due(sentence: &str) -> Option<String> {
        find_deadline(sentence, meeting()).map(|d| d.date)
    }

    #[test]
    fn the_meeting_day_is_a_friday() {
        assert_eq!(weekday(meeting()), 4);
    }

    #[test]
    fn relative_spans_count_from_the_meeting() {
        assert_eq!(due("请于三十日内完成整改").as_deref(), Some("2026-12-20"));
        assert_eq!(due("30天内报送方案").as_deref(), Some("2026-12-20"));
        assert_eq!(due("两周内提交").as_deref(), Some("2026-12-04"));
        assert_eq!(due("一个月内完成").as_deref(), Some("2026-12-20"));
        assert_eq!(due("半个月内完成").as_deref(), Some("2026-12-05"));
        // Working days skip the weekend: Mon 23 … Fri 27, Mon 30.
        assert_eq!(due("5个工作日内反馈").as_deref(), Some("2026-11-27"));
        assert_eq!(due("明天上报").as_deref(), Some("2026-11-21"));
    }

    #[test]
    fn weekdays_this_week_and_next() {
        assert_eq!(due("下周五前提交整改方案").as_deref(), Some("2026-11-27"));
        assert_eq!(due("下周一报送").as_deref(), Some("2026-11-23"));
        assert_eq!(due("本周五前").as_deref(), Some("2026-11-20"));
        // A bare weekday already past this week is next week's.
        assert_eq!(due("周三前完成").as_deref(), Some("2026-11-25"));
        assert_eq!(due("下下周星期二").as_deref(), Some("2026-12-01"));
        assert_eq!(due("下星期五前提交").as_deref(), Some("2026-11-27"));
        assert_eq!(due("下个周五前").as_deref(), Some("2026-11-27"));
        assert_eq!(due("下礼拜一").as_deref(), Some("2026-11-23"));
        assert_eq!(due("这个星期六").as_deref(), Some("2026-11-21"));
    }

    #[test]
    fn absolute_dates_and_period_ends() {
        assert_eq!(due("2026年12月31日前完成").as_deref(), Some("2026-12-31"));
        assert_eq!(due("二〇二七年一月十五日前").as_deref(), Some("2027-01-15"));
        assert_eq!(due("12月15日前").as_deref(), Some("2026-12-15"));
        // A month already past this year is next year's.
        assert_eq!(due("6月底前完成验收").as_deref(), Some("2027-06-30"));
        assert_eq!(due("12月中旬").as_deref(), Some("2026-12-20"));
        assert_eq!(due("月底前").as_deref(), Some("2026-11-30"));
        assert_eq!(due("下月底前").as_deref(), Some("2026-12-31"));
        assert_eq!(due("年底前完成").as_deref(), Some("2026-12-31"));
        assert_eq!(due("本季度末").as_deref(), Some("2026-12-31"));
        assert_eq!(due("2月30日前").as_deref(), None);
        assert_eq!(due("明年底前完成").as_deref(), Some("2027-12-31"));
        assert_eq!(due("明年3月31日前").as_deref(), Some("2027-03-31"));
        assert_eq!(due("明年6月底").as_deref(), Some("2027-06-30"));
        assert_eq!(due("下季度末").as_deref(), Some("2027-03-31"));
    }

    #[test]
    fn the_marked_date_wins_and_past_dates_are_no_deadline() {
        assert_eq!(
            due("针对11月10日检查发现的问题，12月10日前完成整改").as_deref(),
            Some("2026-12-10")
        );
        assert_eq!(due("会议于2026年11月10日召开").as_deref(), None);
        assert_eq!(due("会议听取了汇报").as_deref(), None);
        let d = find_deadline("请于下周五前提交", meeting()).unwrap();
        assert_eq!(d.text, "下周五");
        // 23:59:59.999 CST on 27 November is 15:59:59.999 UTC.
        assert_eq!(d.deadline_ms, 1_795_795_199_999);
    }
}
