//! Money and shares as people read them, for rejection reasons and alert messages.
//!
//! Integer arithmetic only: fen are split into yuan and fen with `/` and `%`, basis points into
//! percent and hundredths the same way.

use gongxin_core::model::{BasisPoints, Fen};

/// `1_180_000_000` fen → `"¥11,800,000.00"`.
pub fn yuan(fen: Fen) -> String {
    format!("¥{}.{:02}", group_thousands(fen / 100), fen % 100)
}

/// A signed amount of fen: `-150_000` → `"-¥1,500.00"`, `150_000` → `"+¥1,500.00"`.
pub fn yuan_signed(fen: i64) -> String {
    let sign = if fen < 0 { "-" } else { "+" };
    format!("{sign}{}", yuan(fen.unsigned_abs()))
}

/// `6_250` bp → `"62.50 %"`.
pub fn percent(bp: u64) -> String {
    format!("{}.{:02} %", bp / 100, bp % 100)
}

/// Basis points of the `u16` kind, for convenience.
pub fn percent_bp(bp: BasisPoints) -> String {
    percent(u64::from(bp))
}

fn group_thousands(n: u64) -> String {
    let digits = n.to_string();
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn formats_yuan_with_grouping_and_two_decimals() {
        assert_eq!(yuan(1_180_000_000), "¥11,800,000.00");
        assert_eq!(yuan(0), "¥0.00");
        assert_eq!(yuan(5), "¥0.05");
        assert_eq!(yuan(123_456), "¥1,234.56");
        assert_eq!(yuan(99_999), "¥999.99");
        assert_eq!(yuan(u64::MAX), "¥184,467,440,737,095,516.15");
        assert_eq!(yuan_signed(-150_000), "-¥1,500.00");
        assert_eq!(yuan_signed(i64::MIN), "-¥92,233,720,368,547,758.08");
        assert_eq!(yuan_signed(1), "+¥0.01");
        assert_eq!(percent(6_250), "62.50 %");
        assert_eq!(percent_bp(10_000), "100.00 %");
    }
}
