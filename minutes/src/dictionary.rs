//! The ledger's own dictionary: departments (with the short names minutes use for them),
//! members (by name, or by surname and title: 张科长), and projects (by id or name). Finding
//! them in a sentence is longest-match, left to right, through automata built once per text
//! ([`Dictionary::matcher`]): a ledger of 100,000 projects and a 64 KiB text cost one pass over
//! each sentence, not one search per project per sentence.

use aho_corasick::{AhoCorasick, MatchKind};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct DepartmentEntry {
    pub id: String,
    /// The registered name, e.g. `市交通运输局 Transport Bureau`.
    pub name: String,
    /// More names minutes use (e.g. 环保局); derived ones are added by [`aliases`].
    #[serde(default)]
    pub aliases: Vec<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PersonEntry {
    pub name: String,
    pub department: String,
    /// `director`, `section_chief`, `specialist` or `auditor`.
    pub role: String,
    /// The member's key (what a task's `responsible_person` takes).
    pub public_key: String,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ProjectEntry {
    pub id: String,
    pub name: String,
}

#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Dictionary {
    pub departments: Vec<DepartmentEntry>,
    pub people: Vec<PersonEntry>,
    pub projects: Vec<ProjectEntry>,
}

/// The Chinese part of a registered name: up to the first ASCII letter.
fn chinese_part(name: &str) -> &str {
    let end = name
        .char_indices()
        .find(|(_, c)| c.is_ascii_alphabetic())
        .map_or(name.len(), |(i, _)| i);
    name[..end].trim()
}

/// The names a department goes by in minutes: its Chinese name, without the 市/区/县/省 prefix,
/// its parenthesised part, and the short form (first two characters and the last: 交通运输局 →
/// 交通局), plus the entry's own aliases.
pub fn aliases(entry: &DepartmentEntry) -> Vec<String> {
    let mut out: Vec<String> = entry.aliases.clone();
    let zh = chinese_part(&entry.name);
    let (main, inner) = match zh.find(['（', '(']) {
        Some(i) => {
            let inner = zh[i..].trim_matches(|c| "（）()".contains(c)).trim();
            (zh[..i].trim(), Some(inner))
        }
        None => (zh, None),
    };
    out.push(main.to_owned());
    if let Some(inner) = inner.filter(|s| !s.is_empty()) {
        out.push(inner.to_owned());
    }
    let bare = main.trim_start_matches(['市', '区', '县', '省']);
    out.push(bare.to_owned());
    let chars: Vec<char> = bare.chars().collect();
    if chars.len() > 3 {
        out.push(format!(
            "{}{}{}",
            chars[0],
            chars[1],
            chars[chars.len() - 1]
        ));
    }
    out.retain(|a| a.chars().count() >= 2);
    out.sort();
    out.dedup();
    out
}

/// A dictionary word found in a sentence (byte offsets).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Mention {
    pub start: usize,
    pub end: usize,
    /// Department id, person name or project id.
    pub value: String,
}

/// The non-overlapping longest matches of `words` (`(text, value)`) in `sentence`.
fn longest_matches(sentence: &str, words: &[(String, String)]) -> Vec<Mention> {
    let mut hits: Vec<Mention> = Vec::new();
    for (word, value) in words.iter().filter(|(w, _)| !w.is_empty()) {
        for (start, _) in sentence.match_indices(word.as_str()) {
            hits.push(Mention {
                start,
                end: start + word.len(),
                value: value.clone(),
            });
        }
    }
    // Longest first at each place, then left to right without overlaps.
    hits.sort_by(|a, b| (a.start, b.end).cmp(&(b.start, a.end)));
    let mut out: Vec<Mention> = Vec::new();
    for hit in hits {
        if out.last().is_none_or(|last| hit.start >= last.end) {
            out.push(hit);
        }
    }
    out
}

/// One kind of word (departments, people or projects), compiled for searching.
#[derive(Debug)]
struct Words {
    /// `None` only if the automaton could not be built (a pathological dictionary); the
    /// search then falls back to one pass per word, with the same answers.
    automaton: Option<AhoCorasick>,
    words: Vec<(String, String)>,
}

impl Words {
    fn new(mut words: Vec<(String, String)>) -> Words {
        words.retain(|(w, _)| !w.is_empty());
        let automaton = AhoCorasick::builder()
            .match_kind(MatchKind::LeftmostLongest)
            .build(words.iter().map(|(w, _)| w.as_str()))
            .ok();
        Words { automaton, words }
    }

    fn find(&self, sentence: &str) -> Vec<Mention> {
        match &self.automaton {
            Some(ac) => ac
                .find_iter(sentence)
                .map(|m| Mention {
                    start: m.start(),
                    end: m.end(),
                    value: self.words[m.pattern().as_usize()].1.clone(),
                })
                .collect(),
            None => longest_matches(sentence, &self.words),
        }
    }
}

/// The dictionary compiled for searching a text.
#[derive(Debug)]
pub struct Matcher {
    departments: Words,
    people: Words,
    projects: Words,
}

impl Matcher {
    pub fn departments(&self, sentence: &str) -> Vec<Mention> {
        self.departments.find(sentence)
    }

    pub fn people(&self, sentence: &str) -> Vec<Mention> {
        self.people.find(sentence)
    }

    pub fn projects(&self, sentence: &str) -> Vec<Mention> {
        self.projects.find(sentence)
    }
}

impl Dictionary {
    /// The dictionary's names compiled for searching.
    pub fn matcher(&self) -> Matcher {
        let departments = self
            .departments
            .iter()
            .flat_map(|d| aliases(d).into_iter().map(|a| (a, d.id.clone())))
            .collect();
        let projects = self
            .projects
            .iter()
            .flat_map(|p| {
                let name = chinese_part(&p.name).to_owned();
                [(p.id.clone(), p.id.clone()), (name, p.id.clone())]
            })
            .filter(|(w, _)| w.chars().count() >= 2)
            .collect();
        let people = self
            .people
            .iter()
            .filter(|p| p.name.chars().count() >= 2)
            .map(|p| (p.name.clone(), p.name.clone()))
            .collect();
        Matcher {
            departments: Words::new(departments),
            people: Words::new(people),
            projects: Words::new(projects),
        }
    }

    /// The members of `department` (any, when `None`) in `role` whose name starts with
    /// `surname` (any, when `None`).
    pub fn people_like(
        &self,
        department: Option<&str>,
        role: &str,
        surname: Option<char>,
    ) -> Vec<&PersonEntry> {
        self.people
            .iter()
            .filter(|p| department.is_none_or(|d| p.department == d))
            .filter(|p| p.role == role)
            .filter(|p| surname.is_none_or(|s| p.name.starts_with(s)))
            .collect()
    }

    /// Every member called `name`.
    pub fn people_named(&self, name: &str) -> Vec<&PersonEntry> {
        self.people.iter().filter(|p| p.name == name).collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(id: &str, name: &str) -> DepartmentEntry {
        DepartmentEntry {
            id: id.into(),
            name: name.into(),
            aliases: vec![],
        }
    }

    #[test]
    fn department_names_and_their_short_forms() {
        assert_eq!(
            aliases(&entry("transport", "市交通运输局 Transport Bureau")),
            ["交通局", "交通运输局", "市交通运输局"]
        );
        assert_eq!(
            aliases(&entry(
                "audit",
                "市审计局（纪检监察组） Audit and Discipline Inspection"
            )),
            ["审计局", "市审计局", "纪检监察组"]
        );
        let mut ecology = entry("ecology", "市生态环境局 Ecology and Environment Bureau");
        ecology.aliases.push("环保局".into());
        assert!(aliases(&ecology).contains(&"环保局".to_owned()));
        assert!(aliases(&ecology).contains(&"生态局".to_owned()));
    }

    #[test]
    fn the_longest_name_wins_and_matches_do_not_overlap() {
        let d = Dictionary {
            departments: vec![entry("transport", "市交通运输局 Transport Bureau")],
            ..Dictionary::default()
        };
        let found = d.matcher().departments("由市交通运输局牵头，交通局配合");
        let plain: Vec<(String, String)> = aliases(&d.departments[0])
            .into_iter()
            .map(|a| (a, "transport".to_owned()))
            .collect();
        assert_eq!(
            found,
            longest_matches("由市交通运输局牵头，交通局配合", &plain),
            "the automaton and the plain search agree"
        );
        let spans: Vec<(&str, &str)> = found
            .iter()
            .map(|m| {
                (
                    &"由市交通运输局牵头，交通局配合"[m.start..m.end],
                    m.value.as_str(),
                )
            })
            .collect();
        assert_eq!(
            spans,
            [("市交通运输局", "transport"), ("交通局", "transport")]
        );
    }
}
