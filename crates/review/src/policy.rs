//! When records fall due for review. The default follows EO 13526:
//! automatic declassification review 25 years from origin; information
//! exempted under 25X codes is reviewed again at 50 years, under 50X codes
//! at 75. A record is never opened by the calendar: falling due only puts
//! it in the queue.

use airgram_model::calendar::{civil_from_days, days_from_civil};
use serde::{Deserialize, Serialize};

/// Read from `policy.json` in the archive; a field left out keeps its
/// default.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct Policy {
    pub automatic_years: i32,
    pub exempt_25x_years: i32,
    pub exempt_50x_years: i32,
    /// A withholding with no date of its own is looked at again after this.
    pub rereview_years: i32,
    /// Days an agency has to answer a referral.
    pub referral_days: i64,
}

impl Default for Policy {
    fn default() -> Self {
        Policy {
            automatic_years: 25,
            exempt_25x_years: 50,
            exempt_50x_years: 75,
            rereview_years: 10,
            referral_days: 60,
        }
    }
}

/// `1962`, `1962-10`, `1962-10-03` -> `1962-01-01`, `1962-10-01`, `1962-10-03`.
pub fn normalise_date(s: &str) -> Option<String> {
    let (y, m, d) = ymd(s)?;
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

fn ymd(s: &str) -> Option<(i32, u32, u32)> {
    let mut it = s.trim().split('-');
    let y: i32 = it.next()?.parse().ok()?;
    let m: u32 = it.next().map_or(Some(1), |x| x.parse().ok())?;
    let d: u32 = it.next().map_or(Some(1), |x| x.get(..2).unwrap_or(x).parse().ok())?;
    ((1000..=9999).contains(&y) && (1..=12).contains(&m) && (1..=31).contains(&d)).then_some((y, m, d))
}

fn add_years(s: &str, years: i32) -> Option<String> {
    let (y, m, d) = ymd(s)?;
    // 29 February falls on 28 February in a common year.
    let d = if m == 2 && d == 29 { 28 } else { d };
    Some(format!("{:04}-{m:02}-{d:02}", y + years))
}

fn day_number(s: &str) -> Option<i64> {
    let (y, m, d) = ymd(s)?;
    Some(days_from_civil(y.into(), m.into(), d.into()))
}

fn iso(day: i64) -> String {
    let (y, m, d) = civil_from_days(day);
    format!("{y:04}-{m:02}-{d:02}")
}

pub fn add_days(s: &str, days: i64) -> Option<String> {
    Some(iso(day_number(s)? + days))
}

/// Days from `a` to `b` (both ISO dates).
pub fn days_between(a: &str, b: &str) -> Option<i64> {
    Some(day_number(b)? - day_number(a)?)
}

/// Today (UTC), ISO.
pub fn today() -> String {
    let secs = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    iso((secs / 86400) as i64)
}

impl Policy {
    /// When a record of `origin` first falls due.
    pub fn due(&self, origin: &str) -> Option<String> {
        add_years(origin, self.automatic_years)
    }

    /// Records that originated on or before this date are due by age today.
    pub fn cutoff(&self, today: &str) -> Option<String> {
        add_years(today, -self.automatic_years)
    }

    /// When a withheld record is looked at again: its own date if the
    /// decision gave one; else 50 or 75 years from origin for 25X or 50X
    /// exemptions; never sooner than a year from today, nor later than the
    /// re-review interval for a withholding with no such exemption.
    pub fn next_review(&self, origin: Option<&str>, codes: &[String], explicit: Option<&str>, today: &str) -> String {
        if let Some(d) = explicit.and_then(normalise_date) {
            return d;
        }
        let years = if codes.iter().any(|c| c.starts_with("50X")) {
            Some(self.exempt_50x_years)
        } else if codes.iter().any(|c| c.starts_with("25X")) {
            Some(self.exempt_25x_years)
        } else {
            None
        };
        let floor = add_years(today, 1).unwrap_or_else(|| today.to_string());
        match (years, origin) {
            (Some(y), Some(o)) => add_years(o, y).filter(|d| *d > floor).unwrap_or(floor),
            _ => add_years(today, self.rereview_years).unwrap_or(floor),
        }
    }

    pub fn referral_due(&self, today: &str) -> String {
        add_days(today, self.referral_days).unwrap_or_else(|| today.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates() {
        assert_eq!(normalise_date("1962-10").as_deref(), Some("1962-10-01"));
        assert_eq!(normalise_date("1962").as_deref(), Some("1962-01-01"));
        assert_eq!(normalise_date("October 1962"), None);
        assert_eq!(add_days("2026-11-27", 60).as_deref(), Some("2027-01-26"));
        assert_eq!(add_days("2024-02-28", 1).as_deref(), Some("2024-02-29"));
        assert_eq!(days_between("2026-01-01", "2026-03-01"), Some(59));
        assert_eq!(add_years("2024-02-29", 1).as_deref(), Some("2025-02-28"));
    }

    #[test]
    fn due_dates_follow_eo_13526() {
        let p = Policy::default();
        assert_eq!(p.due("1962-10-03").as_deref(), Some("1987-10-03"));
        assert_eq!(p.cutoff("2026-11-27").as_deref(), Some("2001-11-27"));
        let today = "2026-11-27";
        // 25X: fifty years from origin, but not in the past.
        assert_eq!(
            p.next_review(Some("1990-05-01"), &["25X1".into()], None, today),
            "2040-05-01"
        );
        assert_eq!(
            p.next_review(Some("1962-05-01"), &["25X1".into()], None, today),
            "2027-11-27"
        );
        assert_eq!(
            p.next_review(Some("1962-05-01"), &["50X1-HUM".into()], None, today),
            "2037-05-01"
        );
        assert_eq!(
            p.next_review(Some("1962-05-01"), &["(b)(6)".into()], None, today),
            "2036-11-27"
        );
        assert_eq!(p.next_review(None, &[], Some("2030-01"), today), "2030-01-01");
    }
}
