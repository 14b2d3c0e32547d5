//! Extraction of single sentences: departments, people, deadlines, acceptance standards and
//! sentences that hold no task.

use super::*;

fn dict() -> Dictionary {
    let person = |name: &str, department: &str, role: &str| PersonEntry {
        name: name.into(),
        department: department.into(),
        role: role.into(),
        public_key: format!("key-of-{name}"),
    };
    Dictionary {
        departments: vec![
            DepartmentEntry {
                id: "transport".into(),
                name: "市交通运输局 Transport Bureau".into(),
                aliases: vec![],
            },
            DepartmentEntry {
                id: "ecology".into(),
                name: "市生态环境局 Ecology and Environment Bureau".into(),
                aliases: vec!["环保局".into()],
            },
        ],
        people: vec![
            person("张伟", "transport", "section_chief"),
            person("张强", "ecology", "section_chief"),
            person("王强", "transport", "director"),
            person("李娜", "ecology", "specialist"),
        ],
        projects: vec![ProjectEntry {
            id: "SC-2026-008".into(),
            name: "智慧交通路口 008".into(),
        }],
    }
}

/// Friday 20 November 2026.
const MEETING: Day = 20_777;

fn one(sentence: &str) -> Option<Draft> {
    let out = extract(sentence, &dict(), MEETING);
    assert!(out.drafts.len() <= 1, "{out:?}");
    out.drafts.into_iter().next()
}

#[test]
fn the_fixed_meeting_day_is_20_november_2026() {
    assert_eq!(dates::iso(MEETING), "2026-11-20");
}

#[test]
fn the_lead_department_and_a_dated_deadline() {
    let d =
        one("一、由市交通运输局牵头，生态环境局配合，于12月31日前完成SC-2026-008项目信号机调试。")
            .unwrap();
    assert_eq!(d.department.as_ref().unwrap().id, "transport");
    assert_eq!(d.deadline.as_ref().unwrap().date, "2026-12-31");
    assert_eq!(d.project.as_deref(), Some("SC-2026-008"));
    assert_eq!(
        d.title,
        "由市交通运输局牵头，生态环境局配合，完成SC-2026-008项目信号机调试"
    );
    assert_eq!(d.missing, ["person", "acceptance_standard"]);
}

#[test]
fn a_person_by_name_and_by_surname_and_title() {
    let d = one("请生态环境局李娜同志下周五前提交整改方案").unwrap();
    let p = d.person.unwrap();
    assert_eq!(
        (p.name.as_deref(), p.public_key.as_deref()),
        (Some("李娜"), Some("key-of-李娜"))
    );
    assert_eq!(d.deadline.unwrap().date, "2026-11-27");
    // 张科长 of transport is 张伟, not ecology's 张强.
    let d = one("交通局张科长负责核查超进度支付情况，三十日内报送").unwrap();
    assert_eq!(d.person.unwrap().name.as_deref(), Some("张伟"));
    assert_eq!(d.deadline.unwrap().date, "2026-12-20");
    // Without a department two 张科长 fit: the words are kept, nobody is guessed.
    let d = one("张科长负责两周内完成核查").unwrap();
    let p = d.person.unwrap();
    assert_eq!((p.name, p.text.as_str()), (None, "张科长"));
    assert!(d.missing.contains(&"person"));
    // A title after the department: that department's only director.
    let d = one("请交通局局长于12月10日前约谈施工单位").unwrap();
    assert_eq!(d.person.unwrap().name.as_deref(), Some("王强"));
}

#[test]
fn a_shared_name_is_resolved_by_the_department_or_not_at_all() {
    let mut d = dict();
    d.people.push(PersonEntry {
        name: "李娜".into(),
        department: "transport".into(),
        role: "specialist".into(),
        public_key: "key-of-transport-李娜".into(),
    });
    let out = extract("请交通局李娜下周五前报送名单", &d, MEETING);
    let p = out.drafts[0].person.clone().unwrap();
    assert_eq!(p.public_key.as_deref(), Some("key-of-transport-李娜"));
    let out = extract("李娜下周五前报送名单", &d, MEETING);
    let p = out.drafts[0].person.clone().unwrap();
    assert_eq!((p.name, p.public_key), (None, None));
    assert!(out.drafts[0].missing.contains(&"person"));
}

#[test]
fn a_named_person_also_names_the_department() {
    let d = one("由李娜同志明天上报原因分析").unwrap();
    assert_eq!(d.department.unwrap().id, "ecology");
    assert_eq!(d.deadline.unwrap().date, "2026-11-21");
}

#[test]
fn acceptance_standards() {
    let d = one("由生态环境局负责，12月底前完成截污改造，确保连续三个月监测达标").unwrap();
    assert_eq!(d.acceptance_standard.as_deref(), Some("连续三个月监测达标"));
    let d = one("交通局要在半个月内补齐变更材料，以监理单位签认的变更单为准").unwrap();
    assert_eq!(
        d.acceptance_standard.as_deref(),
        Some("监理单位签认的变更单")
    );
    let d = one("环保局一个月内完成排查，验收标准为破损点全部登记").unwrap();
    assert_eq!(d.acceptance_standard.as_deref(), Some("破损点全部登记"));
}

#[test]
fn sentences_that_hold_no_task() {
    for s in [
        "会议听取了市交通运输局关于项目进展情况的汇报",
        "与会人员就有关问题进行了讨论",
        "会议强调，各单位要高度重视",
        "会上，生态环境局张强科长介绍了整改总体情况",
        "时间：2026年11月20日",
        "主持：市交通运输局王强",
        "市审计局专项督察反馈会议纪要",
        "",
    ] {
        assert_eq!(one(s), None, "{s}");
    }
}

#[test]
fn the_header_date_is_the_meeting_day_and_drafts_point_into_the_text() {
    let text = "整改推进会纪要\n时间：2026年12月3日\n\n1. 交通局张科长下周一前报送方案。2. 会议回顾了成效。";
    let out = extract(text, &dict(), MEETING);
    assert_eq!(out.meeting_date, "2026-12-03");
    let bad_header = extract(
        "时间：2026年2月31日\n交通局张科长下周一前报送方案。",
        &dict(),
        MEETING,
    );
    assert_eq!(
        bad_header.meeting_date, "2026-11-20",
        "no such date: the fallback"
    );
    assert_eq!(out.drafts.len(), 1);
    let d = &out.drafts[0];
    assert_eq!(d.deadline.as_ref().unwrap().date, "2026-12-07");
    assert_eq!(&text[d.start..d.end], d.sentence);
    assert_eq!(d.sentence_index, 2);
}
