//! Who may see what. This crate is the one place that decides: every read
//! path of the archive asks it, and the index searches only the partitions
//! it allows.
//!
//! The rule: a reader may see a version when their clearance is at least
//! the version's level and the version's caveats are a subset of their
//! authorizations. Where a reader may see several versions of a record they
//! get the most complete one. A record with no visible version does not
//! exist for that reader.
//!
//! No I/O here: pure decisions over labels, so the rule can be read in one
//! sitting and property-tested.

use airgram_model::{Classification, Record};
use serde::{Deserialize, Serialize};
use std::collections::BTreeSet;
use std::fmt;

/// Security levels a reader can be cleared for, lowest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub enum Level {
    #[serde(rename = "UNCLASSIFIED")]
    Unclassified,
    #[serde(rename = "CONFIDENTIAL")]
    Confidential,
    #[serde(rename = "SECRET")]
    Secret,
    #[serde(rename = "TOP SECRET")]
    TopSecret,
}

impl Level {
    pub const ALL: [Level; 4] = [
        Level::Unclassified,
        Level::Confidential,
        Level::Secret,
        Level::TopSecret,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Unclassified => "UNCLASSIFIED",
            Level::Confidential => "CONFIDENTIAL",
            Level::Secret => "SECRET",
            Level::TopSecret => "TOP SECRET",
        }
    }

    /// Short form used in partition names: `U`, `C`, `S`, `TS`.
    pub fn short(self) -> &'static str {
        match self {
            Level::Unclassified => "U",
            Level::Confidential => "C",
            Level::Secret => "S",
            Level::TopSecret => "TS",
        }
    }

    /// `SECRET`, `secret`, `S`, `TOP SECRET`, `TOP_SECRET`, `TS`.
    pub fn parse(s: &str) -> Option<Level> {
        let u = s.trim().to_ascii_uppercase().replace(['_', '-'], " ");
        Level::ALL.into_iter().find(|l| l.as_str() == u || l.short() == u)
    }

    /// The level at which a marking is held. Controlled unclassified
    /// markings (LIMITED OFFICIAL USE, OFFICIAL USE ONLY) are not for the
    /// public, so they are held at CONFIDENTIAL, the least level that keeps
    /// them from it.
    pub fn of(c: Classification) -> Level {
        match c {
            Classification::Unclassified => Level::Unclassified,
            Classification::OfficialUseOnly | Classification::LimitedOfficialUse | Classification::Confidential => {
                Level::Confidential
            }
            Classification::Secret => Level::Secret,
            Classification::TopSecret => Level::TopSecret,
        }
    }
}

impl fmt::Display for Level {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Handling captions that restrict who may read a document: they become
/// caveats of its label. Other captions (`PERSONAL`, `VERBATIM TEXT`...) are
/// recorded on the record but do not gate access.
pub const CONTROL_CAVEATS: &[&str] = &[
    "NODIS",
    "EXDIS",
    "LIMDIS",
    "NOFORN",
    "EYES ONLY",
    "ROGER CHANNEL",
    "RYBAT",
    "WNINTEL",
    "ORCON",
    "RESTRICTED DATA",
    "FORMERLY RESTRICTED DATA",
    "SENSITIVE",
];

/// Canonical caveat name: upper case, single spaces.
pub fn caveat(s: &str) -> String {
    s.split_whitespace()
        .collect::<Vec<_>>()
        .join(" ")
        .to_ascii_uppercase()
        .replace('_', " ")
}

/// An access label: a level and a set of caveats. Every version carries one.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
pub struct Label {
    pub level: Level,
    pub caveats: BTreeSet<String>,
}

impl Label {
    pub fn new(level: Level, caveats: impl IntoIterator<Item = String>) -> Label {
        Label {
            level,
            caveats: caveats
                .into_iter()
                .map(|c| caveat(&c))
                .filter(|c| !c.is_empty())
                .collect(),
        }
    }

    pub fn unclassified() -> Label {
        Label::new(Level::Unclassified, [])
    }

    /// `SECRET/NOFORN/EXDIS`, `S/NOFORN`, `UNCLASSIFIED`.
    pub fn parse(s: &str) -> Option<Label> {
        let mut parts = s.split('/');
        let level = Level::parse(parts.next()?)?;
        Some(Label::new(level, parts.map(str::to_string)))
    }

    /// A name safe for a directory: `S+EXDIS+NOFORN`, `TS+EYES_ONLY`.
    pub fn key(&self) -> String {
        let mut k = self.level.short().to_string();
        for c in &self.caveats {
            k.push('+');
            k.extend(c.chars().map(|ch| if ch.is_ascii_alphanumeric() { ch } else { '_' }));
        }
        k
    }

    /// Inverse of [`Label::key`].
    pub fn from_key(k: &str) -> Option<Label> {
        let mut parts = k.split('+');
        let level = Level::parse(parts.next()?)?;
        Some(Label::new(level, parts.map(|p| p.replace('_', " "))))
    }
}

impl fmt::Display for Label {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.level.as_str())?;
        for c in &self.caveats {
            write!(f, "/{c}")?;
        }
        Ok(())
    }
}

/// What a reader holds: a clearance level and authorizations (caveats).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reader {
    /// Who, for the audit log; `None` for the public.
    pub name: Option<String>,
    pub clearance: Level,
    pub auths: BTreeSet<String>,
}

impl Reader {
    /// The public: UNCLASSIFIED, no authorizations.
    pub fn public() -> Reader {
        Reader {
            name: None,
            clearance: Level::Unclassified,
            auths: BTreeSet::new(),
        }
    }

    pub fn new(name: &str, clearance: Level, auths: impl IntoIterator<Item = String>) -> Reader {
        Reader {
            name: Some(name.to_string()),
            clearance,
            auths: auths.into_iter().map(|a| caveat(&a)).collect(),
        }
    }

    /// The rule. Everything else in airgram that decides visibility calls this.
    pub fn may_see(&self, label: &Label) -> bool {
        self.clearance >= label.level && label.caveats.is_subset(&self.auths)
    }

    /// The labels among `labels` this reader may see, in the given order.
    pub fn visible<'a>(&self, labels: impl IntoIterator<Item = &'a Label>) -> Vec<&'a Label> {
        labels.into_iter().filter(|l| self.may_see(l)).collect()
    }
}

/// Kinds of version, most complete first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum VersionKind {
    /// The document as originally marked.
    Original,
    /// A release in full: the original text, declassified.
    Released,
    /// A release with excisions (made by review): less complete than a
    /// full release, and it never opens the verbatim source.
    Redacted,
}

/// What the rule needs to know of a version.
pub trait Versioned {
    fn kind(&self) -> VersionKind;
    fn label(&self) -> &Label;
    /// Order of creation; among equals the later version wins.
    fn seq(&self) -> u64;
}

/// The version a reader gets: the most complete one they may see.
pub fn choose_version<'a, T: Versioned>(reader: &Reader, versions: &'a [T]) -> Option<&'a T> {
    versions.iter().filter(|v| reader.may_see(v.label())).min_by(|a, b| {
        // Most complete: original before released; then the higher label
        // (more was left in); then the later one.
        a.kind()
            .cmp(&b.kind())
            .then(b.label().level.cmp(&a.label().level))
            .then(b.seq().cmp(&a.seq()))
    })
}

/// The label of a record's original version, from its markings. Where the
/// markings are missing or unclear the more restrictive reading is taken:
/// an unmarked original is held at TOP SECRET until a reviewer says
/// otherwise.
pub fn original_label(r: &Record) -> Label {
    let level = r.classification.map_or(Level::TopSecret, Level::of);
    let caveats = r
        .handling
        .iter()
        .map(|h| caveat(h))
        .filter(|h| CONTROL_CAVEATS.contains(&h.as_str()))
        .collect::<Vec<_>>();
    Label::new(level, caveats)
}

/// Reads of versions above UNCLASSIFIED are audited.
pub fn audited(label: &Label) -> bool {
    label.level > Level::Unclassified || !label.caveats.is_empty()
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    fn l(s: &str) -> Label {
        Label::parse(s).unwrap()
    }

    #[test]
    fn the_rule() {
        let s = Reader::new("ann", Level::Secret, ["NOFORN".to_string()]);
        assert!(s.may_see(&l("SECRET/NOFORN")));
        assert!(s.may_see(&l("CONFIDENTIAL")));
        assert!(!s.may_see(&l("TOP SECRET")));
        assert!(!s.may_see(&l("SECRET/NODIS")));
        assert!(!s.may_see(&l("CONFIDENTIAL/NOFORN/EXDIS")));
        let p = Reader::public();
        assert!(p.may_see(&Label::unclassified()));
        assert!(!p.may_see(&l("UNCLASSIFIED/NOFORN")));
    }

    #[test]
    fn labels_round_trip() {
        for s in ["SECRET/EXDIS/NOFORN", "TOP SECRET/EYES ONLY", "UNCLASSIFIED"] {
            let lab = l(s);
            assert_eq!(Label::from_key(&lab.key()), Some(lab.clone()));
            assert_eq!(Label::parse(&lab.to_string()), Some(lab));
        }
        assert_eq!(l("s/noforn").to_string(), "SECRET/NOFORN");
        assert_eq!(Label::parse("SEKRIT"), None);
    }

    #[test]
    fn markings_make_labels_and_unclear_means_restrictive() {
        let mut r = Record::new("x");
        assert_eq!(original_label(&r).level, Level::TopSecret);
        r.classification = Some(Classification::Secret);
        r.handling = vec!["NOFORN".into(), "PERSONAL".into()];
        assert_eq!(original_label(&r), l("SECRET/NOFORN"));
        r.classification = Some(Classification::LimitedOfficialUse);
        assert_eq!(original_label(&r).level, Level::Confidential);
    }

    impl Versioned for (VersionKind, Label, u64) {
        fn kind(&self) -> VersionKind {
            self.0
        }
        fn label(&self) -> &Label {
            &self.1
        }
        fn seq(&self) -> u64 {
            self.2
        }
    }

    #[test]
    fn most_complete_visible_version_wins() {
        let vs = vec![
            (VersionKind::Original, l("SECRET/NODIS"), 1),
            (VersionKind::Released, l("UNCLASSIFIED"), 2),
        ];
        let cleared = Reader::new("a", Level::TopSecret, ["NODIS".to_string()]);
        assert_eq!(choose_version(&cleared, &vs).unwrap().0, VersionKind::Original);
        let no_nodis = Reader::new("b", Level::TopSecret, []);
        assert_eq!(choose_version(&no_nodis, &vs).unwrap().0, VersionKind::Released);
        assert!(choose_version(&Reader::public(), &vs[..1]).is_none());
    }

    fn arb_label() -> impl Strategy<Value = Label> {
        (
            0..4usize,
            proptest::collection::btree_set(prop_oneof!["NODIS", "EXDIS", "NOFORN"], 0..3),
        )
            .prop_map(|(l, c)| Label::new(Level::ALL[l], c))
    }

    proptest! {
        /// More clearance or more authorizations never hides anything.
        #[test]
        fn access_is_monotone(label in arb_label(), lvl in 0..4usize, extra in 0..4usize, auths in proptest::collection::btree_set(prop_oneof!["NODIS", "EXDIS", "NOFORN"], 0..3)) {
            let r = Reader::new("a", Level::ALL[lvl], auths.iter().map(|s| s.to_string()));
            let mut more = r.clone();
            more.clearance = Level::ALL[(lvl + extra).min(3)];
            more.auths.insert("EXDIS".into());
            if r.may_see(&label) {
                prop_assert!(more.may_see(&label));
            }
        }
    }
}
