//! Handling captions (5 FAH-2 H-440, 5 FAH-3 H-700), as rules: which are
//! known, which name a distribution channel (a message goes through at
//! most one), and which may appear only on a classified message.

/// The channel captions: each limits distribution to a set of readers the
/// channel defines, so a message carries at most one.
pub const CHANNELS: &[&str] = &["NODIS", "EXDIS", "LIMDIS", "STADIS"];

/// Captions that control access or release and so only make sense on
/// classified information.
pub const CLASSIFIED_ONLY: &[&str] = &["NODIS", "EXDIS", "NOFORN", "ORCON"];

/// Every caption a draft may carry.
pub const KNOWN: &[&str] = &[
    "NODIS",
    "EXDIS",
    "LIMDIS",
    "STADIS",
    "NOFORN",
    "ORCON",
    "EYES ONLY",
    "PERSONAL",
    "SENSITIVE",
    "VERBATIM TEXT",
];

/// What is wrong with a set of captions on a message of `classified`
/// standing, in words.
pub fn problems(captions: &[String], classified: bool) -> Vec<String> {
    let mut out = Vec::new();
    let canon: Vec<String> = captions.iter().map(|c| airgram_access::caveat(c)).collect();
    for c in &canon {
        if !KNOWN.contains(&c.as_str()) {
            out.push(format!("unknown caption {c:?}; known: {}", KNOWN.join(", ")));
        } else if !classified && CLASSIFIED_ONLY.contains(&c.as_str()) {
            out.push(format!("{c} is for classified messages only"));
        }
    }
    let channels: Vec<&str> = canon
        .iter()
        .map(String::as_str)
        .filter(|c| CHANNELS.contains(c))
        .collect();
    if channels.len() > 1 {
        out.push(format!(
            "at most one channel caption; this has {}",
            channels.join(" and ")
        ));
    }
    let mut seen = std::collections::BTreeSet::new();
    for c in &canon {
        if !seen.insert(c) {
            out.push(format!("{c} is given twice"));
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn p(cs: &[&str], classified: bool) -> Vec<String> {
        problems(&cs.iter().map(|c| c.to_string()).collect::<Vec<_>>(), classified)
    }

    #[test]
    fn one_channel_at_most() {
        assert!(p(&["EXDIS", "NOFORN"], true).is_empty());
        assert!(p(&["nodis"], true).is_empty());
        let e = p(&["NODIS", "EXDIS"], true);
        assert_eq!(e.len(), 1);
        assert!(e[0].contains("NODIS and EXDIS"), "{e:?}");
    }

    #[test]
    fn control_captions_need_a_classified_message() {
        assert_eq!(p(&["NOFORN"], false), ["NOFORN is for classified messages only"]);
        assert!(p(&["LIMDIS"], false).is_empty());
    }

    #[test]
    fn unknown_and_repeated_captions_are_named() {
        assert!(p(&["SUPERSECRET"], true)[0].contains("unknown caption \"SUPERSECRET\""));
        assert_eq!(p(&["EXDIS", "exdis"], true).len(), 1 + 1);
    }
}
