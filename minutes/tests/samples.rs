//! The extraction against the hand-labelled sample minutes in `samples/`: every figure of the
//! report BENCHMARKS.md quotes is checked against a floor here, so a rule change that loses
//! tasks or fields fails the tests.

use gongxin_minutes::Dictionary;
use gongxin_minutes::evaluation::{LabelledMinutes, Report, evaluate};

fn samples() -> (Vec<(String, LabelledMinutes)>, Dictionary) {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/samples");
    let dict: Dictionary =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/dictionary.json")).unwrap())
            .unwrap();
    let labels: Vec<LabelledMinutes> =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/labels.json")).unwrap())
            .unwrap();
    let samples = labels
        .into_iter()
        .map(|l| {
            let text = std::fs::read_to_string(format!("{dir}/{}", l.file)).unwrap();
            (text, l)
        })
        .collect();
    (samples, dict)
}

pub fn report() -> Report {
    let (samples, dict) = samples();
    evaluate(&samples, &dict)
}

#[test]
fn the_sample_minutes_are_read_as_labelled() {
    let r = report();
    println!("{}", r.markdown());
    assert_eq!(r.files, 3);
    assert_eq!(r.tasks.labelled, 15);
    assert!(
        r.spurious.is_empty(),
        "drafted from no instruction: {:?}",
        r.spurious
    );
    assert!(r.missed.is_empty(), "instructions missed: {:?}", r.missed);
    for (name, f, floor) in [
        ("department", r.department, 0.9),
        ("person", r.person, 0.85),
        ("deadline", r.deadline, 0.9),
        ("acceptance standard", r.acceptance_standard, 0.8),
        ("project", r.project, 0.8),
    ] {
        assert!(
            f.precision() >= floor && f.recall() >= floor,
            "{name}: {f:?}\n{}",
            r.markdown()
        );
    }
}
