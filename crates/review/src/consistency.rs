//! Consistency across releases. Two releases of one text that excise
//! different passages together reveal both (the "mosaic" problem), so a new
//! release is compared, before approval, with every other release of the
//! same record and of duplicate texts.

/// Another release to compare with.
#[derive(Debug, Clone)]
pub struct Release {
    /// How the flag names it, e.g. `record 3f2a… (released 2019-04-02)`.
    pub name: String,
    /// Everything the release shows.
    pub text: String,
    /// The passages it excised.
    pub excised: Vec<String>,
}

fn norm(s: &str) -> String {
    s.split_whitespace().collect::<Vec<_>>().join(" ").to_lowercase()
}

/// Passages shorter than this are too common to compare (a stray "the").
const MIN: usize = 4;

/// Flags, one per disagreement: a passage this release excises that
/// another shows, or one it shows that another excised.
pub fn check(text: &str, excised: &[String], others: &[Release]) -> Vec<String> {
    let mine = norm(text);
    let mut flags = Vec::new();
    for o in others {
        let theirs = norm(&o.text);
        for p in excised {
            let n = norm(p);
            if n.len() >= MIN && theirs.contains(&n) {
                flags.push(format!("excised here but open in {}: {:?}", o.name, short(p)));
            }
        }
        for p in &o.excised {
            let n = norm(p);
            if n.len() >= MIN && mine.contains(&n) {
                flags.push(format!("open here but excised in {}: {:?}", o.name, short(p)));
            }
        }
    }
    flags.sort();
    flags.dedup();
    flags
}

fn short(s: &str) -> String {
    let n = norm(s);
    if n.chars().count() > 60 {
        format!("{}…", n.chars().take(60).collect::<String>())
    } else {
        n
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_directions_are_flagged() {
        let other = Release {
            name: "release 1".into(),
            text: "The source is [name withheld]. Talks   went WELL in Paris.".into(),
            excised: vec!["Colonel Penkovsky".into()],
        };
        let flags = check(
            "The source is Colonel Penkovsky. [less than 1 line not declassified]",
            &["talks went well".into()],
            std::slice::from_ref(&other),
        );
        assert_eq!(flags.len(), 2, "{flags:?}");
        assert!(flags[0].starts_with("excised here but open in release 1"));
        assert!(flags[1].starts_with("open here but excised in release 1"));
        assert!(check("Nothing in common", &["zz".into()], &[other]).is_empty());
    }
}
