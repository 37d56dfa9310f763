//! Declassification and FOIA review, as pure decisions over records: what
//! a decision means, which exemption codes exist, how excisions turn an
//! original into a release with FRUS-style omission markers, when records
//! fall due, and which passages two releases disagree on.
//!
//! No I/O here: the archive stores events and publishes versions; this
//! crate says what they contain, so the rules can be read and tested alone.

pub mod codes;
pub mod consistency;
pub mod excise;
pub mod policy;

use airgram_access::Level;
use serde::{Deserialize, Serialize};
use std::fmt;

pub use excise::{apply, ExciseError, Excision};
pub use policy::Policy;

/// One decision, as on the review stamps.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Decision {
    #[serde(rename = "RELEASE")]
    Release,
    #[serde(rename = "DECLASSIFY")]
    Declassify,
    #[serde(rename = "DECLASSIFY IN PART")]
    DeclassifyInPart,
    #[serde(rename = "EXCISE")]
    Excise,
    #[serde(rename = "DENY")]
    Deny,
    #[serde(rename = "DOWNGRADE")]
    Downgrade,
    #[serde(rename = "REFER")]
    Refer,
    #[serde(rename = "NON-RESPONSIVE")]
    NonResponsive,
}

/// What approving a decision does to the record.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Effect {
    /// A full release: the original text at a lower label.
    Full,
    /// A release with excisions.
    Excised,
    /// Sends the record to other agencies.
    Refer,
    /// No new version (withheld, or not responsive).
    Nothing,
}

impl Decision {
    pub const ALL: [Decision; 8] = [
        Decision::Release,
        Decision::Declassify,
        Decision::DeclassifyInPart,
        Decision::Excise,
        Decision::Deny,
        Decision::Downgrade,
        Decision::Refer,
        Decision::NonResponsive,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Release => "RELEASE",
            Decision::Declassify => "DECLASSIFY",
            Decision::DeclassifyInPart => "DECLASSIFY IN PART",
            Decision::Excise => "EXCISE",
            Decision::Deny => "DENY",
            Decision::Downgrade => "DOWNGRADE",
            Decision::Refer => "REFER",
            Decision::NonResponsive => "NON-RESPONSIVE",
        }
    }

    /// `release`, `declassify-in-part`, `DECLASSIFY IN PART`, `non_responsive`.
    pub fn parse(s: &str) -> Option<Decision> {
        let k = s.trim().to_ascii_uppercase().replace(['_', '-'], " ");
        let k = k.split_whitespace().collect::<Vec<_>>().join(" ");
        Decision::ALL
            .into_iter()
            .find(|d| d.as_str().replace('-', " ") == k)
            .or(match k.as_str() {
                "IN PART" | "PARTIAL" => Some(Decision::DeclassifyInPart),
                "WITHHOLD" => Some(Decision::Deny),
                _ => None,
            })
    }

    pub fn effect(self) -> Effect {
        match self {
            Decision::Release | Decision::Declassify | Decision::Downgrade => Effect::Full,
            Decision::DeclassifyInPart | Decision::Excise => Effect::Excised,
            Decision::Refer => Effect::Refer,
            Decision::Deny | Decision::NonResponsive => Effect::Nothing,
        }
    }
}

impl fmt::Display for Decision {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Why the record is being reviewed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum ReviewKind {
    /// Due by age (EO 13526 automatic declassification).
    #[default]
    Systematic,
    /// A Freedom of Information Act request.
    Foia,
    /// A mandatory declassification review request.
    Mandatory,
    /// A new look at an earlier decision.
    ReReview,
}

impl ReviewKind {
    pub fn parse(s: &str) -> Option<ReviewKind> {
        match s.trim().to_ascii_lowercase().replace('_', "-").as_str() {
            "systematic" | "automatic" => Some(ReviewKind::Systematic),
            "foia" => Some(ReviewKind::Foia),
            "mandatory" | "mdr" => Some(ReviewKind::Mandatory),
            "re-review" | "rereview" => Some(ReviewKind::ReReview),
            _ => None,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            ReviewKind::Systematic => "systematic",
            ReviewKind::Foia => "foia",
            ReviewKind::Mandatory => "mandatory",
            ReviewKind::ReReview => "re-review",
        }
    }
}

/// Agencies a record can be referred to for their equities.
pub const AGENCIES: &[&str] = &[
    "CIA", "COMMERCE", "DEFENSE", "DOE", "FBI", "JCS", "JUSTICE", "NASA", "NRC", "NSA", "NSC", "TREASURY", "USAID",
    "USIA",
];

/// What a reviewer proposes. It takes effect only when a second reviewer
/// approves it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Proposal {
    #[serde(default)]
    pub kind: ReviewKind,
    pub decision: Decision,
    /// The level a release or downgrade is published at (default
    /// UNCLASSIFIED for releases).
    #[serde(default)]
    pub level: Option<Level>,
    /// For REFER: the agencies with an equity.
    #[serde(default)]
    pub agencies: Vec<String>,
    /// Exemption and authority codes for the decision as a whole.
    #[serde(default)]
    pub codes: Vec<String>,
    #[serde(default)]
    pub excisions: Vec<Excision>,
    /// Declassify-on or next-review date (ISO).
    #[serde(default)]
    pub next_review: Option<String>,
    #[serde(default)]
    pub comment: String,
    /// FOIA or MDR case number.
    #[serde(default)]
    pub request: Option<String>,
    #[serde(default)]
    pub office: Option<String>,
}

impl Proposal {
    pub fn new(decision: Decision) -> Proposal {
        Proposal {
            kind: ReviewKind::Systematic,
            decision,
            level: None,
            agencies: vec![],
            codes: vec![],
            excisions: vec![],
            next_review: None,
            comment: String::new(),
            request: None,
            office: None,
        }
    }

    /// Checks the proposal against the record's original level and puts
    /// codes and agencies in canonical form.
    pub fn normalise(mut self, original: Level) -> Result<Proposal, String> {
        self.codes = codes::canonical_all(&self.codes)?;
        for e in &mut self.excisions {
            e.codes = codes::canonical_all(&e.codes)?;
            if e.codes.is_empty() {
                return Err(format!(
                    "excision {}:{}..{} has no exemption code",
                    e.field, e.start, e.end
                ));
            }
        }
        let mut agencies = Vec::new();
        for a in &self.agencies {
            let a = a.trim().to_ascii_uppercase();
            let a = if a == "DOD" { "DEFENSE".to_string() } else { a };
            if !AGENCIES.contains(&a.as_str()) {
                return Err(format!("unknown agency {a:?} (one of {})", AGENCIES.join(", ")));
            }
            if !agencies.contains(&a) {
                agencies.push(a);
            }
        }
        self.agencies = agencies;
        if let Some(d) = &self.next_review {
            self.next_review = Some(policy::normalise_date(d).ok_or_else(|| format!("bad date {d:?}"))?);
        }
        let level = self.level.unwrap_or(Level::Unclassified);
        match self.decision.effect() {
            Effect::Excised if self.excisions.is_empty() => {
                return Err(format!("{} needs at least one excision", self.decision));
            }
            Effect::Full | Effect::Refer | Effect::Nothing if !self.excisions.is_empty() => {
                return Err(format!("{} takes no excisions", self.decision));
            }
            _ => {}
        }
        if self.decision == Decision::Refer && self.agencies.is_empty() {
            return Err("REFER needs at least one agency".into());
        }
        if self.decision != Decision::Refer && !self.agencies.is_empty() {
            return Err(format!("{} takes no agencies", self.decision));
        }
        if self.decision == Decision::Deny && self.codes.is_empty() {
            return Err("DENY needs the exemption codes it rests on".into());
        }
        if self.decision == Decision::Downgrade && self.level.is_none() {
            return Err("DOWNGRADE needs the level to downgrade to".into());
        }
        if matches!(self.decision.effect(), Effect::Full | Effect::Excised)
            && level >= original
            && original > Level::Unclassified
        {
            return Err(format!("a release is published below the original level ({original})"));
        }
        Ok(self)
    }

    /// Every code the proposal cites, the decision's and the excisions'.
    pub fn all_codes(&self) -> Vec<String> {
        let mut v = self.codes.clone();
        for e in &self.excisions {
            for c in &e.codes {
                if !v.contains(c) {
                    v.push(c.clone());
                }
            }
        }
        v
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decisions_parse_as_the_stamps_spell_them() {
        for d in Decision::ALL {
            assert_eq!(Decision::parse(d.as_str()), Some(d));
        }
        assert_eq!(Decision::parse("declassify-in-part"), Some(Decision::DeclassifyInPart));
        assert_eq!(Decision::parse("non_responsive"), Some(Decision::NonResponsive));
        assert_eq!(Decision::parse("publish"), None);
    }

    #[test]
    fn proposals_are_checked() {
        let s = Level::Secret;
        assert!(Proposal::new(Decision::Release).normalise(s).is_ok());
        assert!(Proposal::new(Decision::Excise)
            .normalise(s)
            .unwrap_err()
            .contains("excision"));
        assert!(Proposal::new(Decision::Deny)
            .normalise(s)
            .unwrap_err()
            .contains("codes"));
        let mut deny = Proposal::new(Decision::Deny);
        deny.codes = vec!["b1".into(), "25x1".into()];
        assert_eq!(deny.normalise(s).unwrap().codes, vec!["(b)(1)", "25X1"]);
        let mut refer = Proposal::new(Decision::Refer);
        refer.agencies = vec!["cia".into(), "dod".into()];
        assert_eq!(refer.clone().normalise(s).unwrap().agencies, vec!["CIA", "DEFENSE"]);
        refer.agencies = vec!["MI6".into()];
        assert!(refer.normalise(s).unwrap_err().contains("MI6"));
        let mut down = Proposal::new(Decision::Downgrade);
        down.level = Some(Level::Secret);
        assert!(down.clone().normalise(s).is_err(), "a downgrade goes down");
        down.level = Some(Level::Confidential);
        assert!(down.normalise(s).is_ok());
    }
}
