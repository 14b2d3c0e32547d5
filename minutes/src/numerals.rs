//! Numbers as minutes write them: `30`, `三十`, `二十一`, `两`, `一百二十`, and year digits read
//! one by one (`二〇二六`).

/// The value of one Chinese digit.
fn digit(c: char) -> Option<u32> {
    Some(match c {
        '〇' | '零' => 0,
        '一' => 1,
        '二' | '两' => 2,
        '三' => 3,
        '四' => 4,
        '五' => 5,
        '六' => 6,
        '七' => 7,
        '八' => 8,
        '九' => 9,
        _ => return None,
    })
}

/// Parses ASCII digits, full-width digits or a Chinese numeral up to 9 999; `None` otherwise.
pub fn parse(text: &str) -> Option<u32> {
    let text = text.trim();
    if text.is_empty() {
        return None;
    }
    let ascii: String = text
        .chars()
        .map(|c| match c {
            '０'..='９' => char::from_u32(c as u32 - '０' as u32 + '0' as u32).unwrap_or(c),
            _ => c,
        })
        .collect();
    if ascii.chars().all(|c| c.is_ascii_digit()) {
        return ascii.parse().ok().filter(|&n: &u32| n <= 9_999);
    }
    // Digits only, no units (二〇二六): read one by one.
    if text.chars().count() > 1 && !text.contains(['十', '百', '千']) {
        let mut n: u32 = 0;
        for c in text.chars() {
            n = n.checked_mul(10)?.checked_add(digit(c)?)?;
        }
        return (n <= 9_999).then_some(n);
    }
    let (mut total, mut current) = (0u32, 0u32);
    for c in text.chars() {
        match c {
            '十' | '百' | '千' => {
                let unit = match c {
                    '十' => 10,
                    '百' => 100,
                    _ => 1_000,
                };
                total += if current == 0 { 1 } else { current } * unit;
                current = 0;
            }
            _ => current = digit(c)?,
        }
    }
    Some(total + current).filter(|&n| n <= 9_999)
}

/// The characters a number may be written with (for patterns).
pub const NUMERAL_CLASS: &str = "0-9０-９〇零一二两三四五六七八九十百千";

#[cfg(test)]
mod tests {
    use super::parse;

    #[test]
    fn numerals_as_minutes_write_them() {
        for (text, n) in [
            ("30", 30),
            ("３０", 30),
            ("三十", 30),
            ("十", 10),
            ("十五", 15),
            ("二十一", 21),
            ("两", 2),
            ("一百二十", 120),
            ("一百零五", 105),
            ("二〇二六", 2026),
            ("九", 9),
        ] {
            assert_eq!(parse(text), Some(n), "{text}");
        }
        for text in ["", "三x", "abc", "一万"] {
            assert_eq!(parse(text), None, "{text}");
        }
    }
}
