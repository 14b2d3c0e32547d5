//! Prints the extraction's precision and recall on the labelled sample minutes, as BENCHMARKS.md
//! quotes it: `cargo run -p gongxin-minutes --example evaluate`.

use gongxin_minutes::Dictionary;
use gongxin_minutes::evaluation::{LabelledMinutes, evaluate};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = concat!(env!("CARGO_MANIFEST_DIR"), "/samples");
    let dict: Dictionary =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/dictionary.json"))?)?;
    let labels: Vec<LabelledMinutes> =
        serde_json::from_str(&std::fs::read_to_string(format!("{dir}/labels.json"))?)?;
    let mut samples = Vec::new();
    for l in labels {
        samples.push((std::fs::read_to_string(format!("{dir}/{}", l.file))?, l));
    }
    let report = evaluate(&samples, &dict);
    println!(
        "{} files, {} sentences, {} labelled tasks",
        report.files, report.sentences, report.tasks.labelled
    );
    print!("{}", report.markdown());
    for s in &report.spurious {
        println!("drafted from no instruction: {s}");
    }
    for s in &report.missed {
        println!("missed: {s}");
    }
    Ok(())
}
