//! Charts drawn on the server as inline SVG: they show without JavaScript and in old browsers,
//! and their numbers are in the page's text as well (each bar has a `<title>`).

use std::fmt::Write as _;

use super::page::esc;

/// One row of a bar chart: a label and one or two values (the second drawn over the first).
#[derive(Debug, Clone)]
pub struct Bar {
    pub label: String,
    pub value: u64,
    pub inner: Option<u64>,
    /// What a hover (and a screen reader) says.
    pub title: String,
}

const WIDTH: u64 = 560;
const LABEL_WIDTH: u64 = 190;
const ROW: u64 = 26;

/// Horizontal bars scaled to the largest value; `inner` bars are drawn darker over their row.
pub fn bars(caption: &str, rows: &[Bar], legend: &[(&str, &str)]) -> String {
    let max = rows
        .iter()
        .map(|r| r.value.max(r.inner.unwrap_or(0)))
        .max()
        .unwrap_or(0)
        .max(1);
    let height = ROW * rows.len() as u64 + 30;
    let mut svg = format!(
        r#"<figure><figcaption>{}</figcaption><svg role="img" aria-label="{}" viewBox="0 0 {WIDTH} {height}" width="100%" preserveAspectRatio="xMinYMin meet">"#,
        esc(caption),
        esc(caption)
    );
    let span = WIDTH - LABEL_WIDTH - 10;
    for (i, row) in rows.iter().enumerate() {
        let y = i as u64 * ROW + 4;
        let outer = row.value * span / max;
        let _ = write!(
            svg,
            r##"<g><title>{title}</title><text x="0" y="{ty}">{label}</text><rect x="{LABEL_WIDTH}" y="{y}" width="{outer}" height="18" fill="#9fb3c8"/>"##,
            title = esc(&row.title),
            ty = y + 14,
            label = esc(&shorten(&row.label, 16)),
        );
        if let Some(inner) = row.inner {
            let _ = write!(
                svg,
                r##"<rect x="{LABEL_WIDTH}" y="{}" width="{}" height="10" fill="#1e7b34"/>"##,
                y + 4,
                inner * span / max
            );
        }
        svg.push_str("</g>");
    }
    let mut x = LABEL_WIDTH;
    let y = ROW * rows.len() as u64 + 16;
    for (colour, name) in legend {
        let _ = write!(
            svg,
            r#"<rect x="{x}" y="{}" width="12" height="12" fill="{colour}"/><text x="{}" y="{}">{}</text>"#,
            y - 10,
            x + 16,
            y,
            esc(name)
        );
        x += 160;
    }
    svg.push_str("</svg></figure>");
    svg
}

/// A label cut to `chars` characters with an ellipsis.
fn shorten(text: &str, chars: usize) -> String {
    if text.chars().count() <= chars {
        text.to_owned()
    } else {
        let mut cut: String = text.chars().take(chars - 1).collect();
        cut.push('…');
        cut
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bars_scale_to_the_largest_value_and_escape_labels() {
        let svg = bars(
            "预算 <与> 支付",
            &[
                Bar {
                    label: "<b>roads</b>".into(),
                    value: 200,
                    inner: Some(50),
                    title: "roads: 200 / 50".into(),
                },
                Bar {
                    label: "water".into(),
                    value: 100,
                    inner: None,
                    title: "water: 100".into(),
                },
            ],
            &[("#9fb3c8", "budget")],
        );
        let span = WIDTH - LABEL_WIDTH - 10;
        assert!(svg.contains(&format!(r#"width="{span}" height="18""#)));
        assert!(svg.contains(&format!(r#"width="{}" height="18""#, span / 2)));
        assert!(svg.contains(&format!(r#"width="{}" height="10""#, span / 4)));
        assert!(svg.contains("&lt;b&gt;roads&lt;/b&gt;"));
        assert!(!svg.contains("<b>"));
        assert!(svg.contains("预算 &lt;与&gt; 支付"));
    }
}
