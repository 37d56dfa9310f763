//! How release numbers and date-time groups are written. Taking a number
//! is the store's (a counter row updated in the releasing transaction,
//! and a unique key on series, year and number); this is only the words.

use serde::{Deserialize, Serialize};

/// When a series starts again at 1.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum Restart {
    /// On the first of January (posts' telegram series).
    #[default]
    Yearly,
    /// Never (special series such as SECTO/TOSEC).
    Continuous,
}

/// The number as it is written and cited: an airgram series ends in its
/// letter and takes a hyphen (`POLTO A-518`); others a space
/// (`PARIS 2714`, `STATE 123456`).
pub fn number(series: &str, n: u64) -> String {
    let series = series.trim();
    let lettered = series
        .rsplit(' ')
        .next()
        .is_some_and(|w| w.len() == 1 && w.bytes().all(|b| b.is_ascii_uppercase()));
    if lettered && series.contains(' ') {
        format!("{series}-{n}")
    } else {
        format!("{series} {n}")
    }
}

/// The year a number is counted in: the release's, or 0 for a continuous
/// series.
pub fn counting_year(restart: Restart, year: i32) -> i32 {
    match restart {
        Restart::Yearly => year,
        Restart::Continuous => 0,
    }
}

/// The date-time group of a moment (seconds since 1970, UTC):
/// `DDHHMMZ MON YY`, as `030736Z JUN 64`.
pub fn dtg(unix_secs: i64) -> String {
    let days = unix_secs.div_euclid(86_400);
    let secs = unix_secs.rem_euclid(86_400);
    let (y, m, d) = airgram_model::calendar::civil_from_days(days);
    format!(
        "{d:02}{:02}{:02}Z {} {:02}",
        secs / 3600,
        secs % 3600 / 60,
        airgram_model::calendar::MONTH_NAMES[(m - 1) as usize][..3].to_ascii_uppercase(),
        y.rem_euclid(100)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn numbers_as_they_are_cited() {
        assert_eq!(number("POLTO A", 518), "POLTO A-518");
        assert_eq!(number("PARIS", 2714), "PARIS 2714");
        assert_eq!(number("STATE", 123456), "STATE 123456");
        assert_eq!(number("SECTO", 12), "SECTO 12");
        assert_eq!(counting_year(Restart::Continuous, 1962), 0);
    }

    #[test]
    fn date_time_groups() {
        // 1964-06-03 07:36 UTC: the cable the issue quotes.
        assert_eq!(dtg(-176_055_840), "030736Z JUN 64");
        assert_eq!(dtg(0), "010000Z JAN 70");
        assert_eq!(dtg(951_782_400 + 59), "290000Z FEB 00");
    }
}
