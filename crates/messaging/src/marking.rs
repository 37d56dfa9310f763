//! Portion marks: `(U)`, `(C)`, `(S)`, `(TS)`, with caveats after `//`
//! (`(S//NF)`, `(TS//NODIS)`). A message is classified at its highest
//! portion (5 FAH-3 H-700: the overall marking is the highest of its
//! portions), and carries every caveat a portion carries.

use airgram_access::{caveat, Label, Level};

/// Short caveat forms used in portion marks, and the caveat each names.
const SHORT_CAVEATS: &[(&str, &str)] = &[("NF", "NOFORN"), ("OC", "ORCON")];

/// A portion mark read from the start of a paragraph or subject.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Portion {
    pub label: Label,
    /// Bytes the mark takes at the start of the text, with the space after.
    pub len: usize,
}

/// The portion mark a text opens with, if it opens with one.
pub fn portion(text: &str) -> Option<Portion> {
    let t = text.trim_start();
    let lead = text.len() - t.len();
    let inner_end = t.strip_prefix('(')?.find(')')?;
    let inner = &t[1..1 + inner_end];
    let mut parts = inner.split("//");
    let level = match parts.next()?.trim() {
        "U" => Level::Unclassified,
        "C" => Level::Confidential,
        "S" => Level::Secret,
        "TS" => Level::TopSecret,
        _ => return None,
    };
    let mut caveats = Vec::new();
    for p in parts.flat_map(|p| p.split('/')) {
        let p = p.trim();
        let named = SHORT_CAVEATS.iter().find(|(s, _)| *s == p).map_or(p, |(_, long)| long);
        let c = caveat(named);
        if !airgram_access::CONTROL_CAVEATS.contains(&c.as_str()) {
            return None;
        }
        caveats.push(c);
    }
    let after = &t[inner_end + 2..];
    let space = after.len() - after.trim_start().len();
    Some(Portion {
        label: Label::new(level, caveats),
        len: lead + inner_end + 2 + space,
    })
}

/// The least label that covers every one of `labels`: the highest level,
/// every caveat.
pub fn overall<'a>(labels: impl IntoIterator<Item = &'a Label>) -> Label {
    let mut out = Label::unclassified();
    for l in labels {
        out.level = out.level.max(l.level);
        out.caveats.extend(l.caveats.iter().cloned());
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_with_and_without_caveats() {
        let p = portion("(S) The Council met.").unwrap();
        assert_eq!((p.label.to_string(), p.len), ("SECRET".to_string(), 4));
        let p = portion("(TS//NODIS) Eyes of the Secretary.").unwrap();
        assert_eq!(p.label, Label::parse("TOP SECRET/NODIS").unwrap());
        assert_eq!(
            portion("(S//NF) x").unwrap().label,
            Label::parse("SECRET/NOFORN").unwrap()
        );
        assert_eq!(portion("(U) x").unwrap().label, Label::unclassified());
    }

    #[test]
    fn what_is_not_a_mark() {
        for t in ["The Council (S) met.", "(X) x", "(S//MADEUP) x", "(S x", "", "S) x"] {
            assert_eq!(portion(t), None, "{t:?}");
        }
    }

    #[test]
    fn the_overall_marking_is_the_highest_portion_with_every_caveat() {
        let ls = [
            Label::parse("CONFIDENTIAL").unwrap(),
            Label::parse("SECRET/NOFORN").unwrap(),
            Label::parse("CONFIDENTIAL/EXDIS").unwrap(),
        ];
        assert_eq!(overall(&ls), Label::parse("SECRET/NOFORN/EXDIS").unwrap());
        assert_eq!(overall([]), Label::unclassified());
    }
}
