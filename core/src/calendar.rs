//! Civil dates from milliseconds since the epoch, in integers only (H. Hinnant's algorithms):
//! the one calendar the rules (quarters), the CLI (UTC tables) and the node (Beijing-time
//! reminders and exports) share.

/// A day in milliseconds.
pub const DAY_MS: u64 = 24 * 60 * 60 * 1000;
/// China keeps no daylight saving: Beijing time is always UTC+08:00.
const BEIJING_OFFSET_MS: u64 = 8 * 60 * 60 * 1000;

/// Days since 1970-01-01 of a civil date.
pub fn days_from_civil(year: i64, month: u32, day: u32) -> i64 {
    let y = if month <= 2 { year - 1 } else { year };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let m = i64::from(month);
    let doy = (153 * (if m > 2 { m - 3 } else { m + 9 }) + 2) / 5 + i64::from(day) - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// The civil date (year, month, day) of a day count since 1970-01-01.
pub fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1_460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

/// `2026-12-03` for a moment `offset_ms` ahead of UTC.
fn date_at(ms: u64, offset_ms: u64) -> String {
    let (y, m, d) = civil_from_days(((ms + offset_ms) / DAY_MS) as i64);
    format!("{y:04}-{m:02}-{d:02}")
}

/// `2026-12-03 14:05` for a moment `offset_ms` ahead of UTC.
fn minute_at(ms: u64, offset_ms: u64) -> String {
    let minutes = ((ms + offset_ms) % DAY_MS) / 60_000;
    format!(
        "{} {:02}:{:02}",
        date_at(ms, offset_ms),
        minutes / 60,
        minutes % 60
    )
}

pub fn utc_date(ms: u64) -> String {
    date_at(ms, 0)
}

pub fn utc_minute(ms: u64) -> String {
    minute_at(ms, 0)
}

pub fn beijing_date(ms: u64) -> String {
    date_at(ms, BEIJING_OFFSET_MS)
}

pub fn beijing_minute(ms: u64) -> String {
    minute_at(ms, BEIJING_OFFSET_MS)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_round_trip_and_beijing_is_eight_hours_ahead() {
        for days in [-719_468, -1, 0, 10_957, 11_016, 20_790, 2_932_896] {
            let (y, m, d) = civil_from_days(days);
            assert_eq!(days_from_civil(y, m, d), days, "{y}-{m}-{d}");
        }
        assert_eq!(civil_from_days(11_016), (2000, 2, 29));
        // 2026-12-31T20:00Z is already 2027-01-01 in Beijing.
        assert_eq!(utc_minute(1_798_747_200_000), "2026-12-31 20:00");
        assert_eq!(beijing_minute(1_798_747_200_000), "2027-01-01 04:00");
        assert_eq!(beijing_date(0), "1970-01-01");
    }
}
