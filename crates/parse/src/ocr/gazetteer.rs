//! Posts, stations and headquarters as the cables name them, as data.
//!
//! Each entry is the name NARA's catalogue and the cables' FROM/TO lines
//! use, the station designator a CITE line uses, and the misreadings OCR
//! makes of it that edit distance alone does not reach. The names are
//! the most frequent originators and addressees of the JFK collection's
//! CIA traffic (NARA's release spreadsheets) and the designators the
//! cables themselves cite (`CITE MEXI 1234`, `DIR 12345`).

/// One post or station.
pub struct Place {
    /// The name as written in full (`MEXICO CITY`, `JMWAVE`).
    pub name: &'static str,
    /// The designator of CITE lines and message numbers (`MEXI`, `WAVE`).
    pub code: &'static str,
    /// Misreadings that stand for it beyond one letter's damage (`JAWAVE`,
    /// `INVAVE`; `RECTOR` where the scan cut the margin).
    pub aliases: &'static [&'static str],
}

pub static PLACES: &[Place] = &[
    Place {
        name: "DIRECTOR",
        code: "DIR",
        aliases: &["HEADQUARTERS", "HQS"],
    },
    Place {
        name: "MEXICO CITY",
        code: "MEXI",
        aliases: &["MEXICO"],
    },
    Place {
        name: "JMWAVE",
        code: "WAVE",
        aliases: &["JAWAVE", "INVAVE", "JMVAVE", "JMWAV"],
    },
    Place {
        name: "HAVANA",
        code: "HAVA",
        aliases: &["HABANA"],
    },
    Place {
        name: "LONDON",
        code: "LOND",
        aliases: &[],
    },
    Place {
        name: "PARIS",
        code: "PARI",
        aliases: &[],
    },
    Place {
        name: "BONN",
        code: "BONN",
        aliases: &[],
    },
    Place {
        name: "MADRID",
        code: "MADR",
        aliases: &[],
    },
    Place {
        name: "ROME",
        code: "ROME",
        aliases: &[],
    },
    Place {
        name: "SAIGON",
        code: "SAIG",
        aliases: &["SATGON"],
    },
    Place {
        name: "TOKYO",
        code: "TOKY",
        aliases: &[],
    },
    Place {
        name: "MOSCOW",
        code: "MOSC",
        aliases: &[],
    },
    Place {
        name: "OTTAWA",
        code: "OTTA",
        aliases: &[],
    },
    Place {
        name: "STOCKHOLM",
        code: "STOC",
        aliases: &[],
    },
    Place {
        name: "HELSINKI",
        code: "HELS",
        aliases: &[],
    },
    Place {
        name: "CARACAS",
        code: "CARA",
        aliases: &[],
    },
    Place {
        name: "SAN SALVADOR",
        code: "SANS",
        aliases: &[],
    },
    Place {
        name: "PANAMA CITY",
        code: "PANA",
        aliases: &[],
    },
    Place {
        name: "GUATEMALA CITY",
        code: "GUAT",
        aliases: &[],
    },
    Place {
        name: "SANTO DOMINGO",
        code: "SDOM",
        aliases: &[],
    },
    Place {
        name: "BERN",
        code: "BERN",
        aliases: &[],
    },
    Place {
        name: "VIENNA",
        code: "VIEN",
        aliases: &[],
    },
    Place {
        name: "BRUSSELS",
        code: "BRUS",
        aliases: &[],
    },
    Place {
        name: "THE HAGUE",
        code: "HAGU",
        aliases: &[],
    },
    Place {
        name: "FRANKFURT",
        code: "FRAN",
        aliases: &[],
    },
    Place {
        name: "BERLIN",
        code: "BERL",
        aliases: &[],
    },
    Place {
        name: "NEW DELHI",
        code: "NEWD",
        aliases: &[],
    },
    Place {
        name: "MANILA",
        code: "MANI",
        aliases: &[],
    },
    Place {
        name: "BUENOS AIRES",
        code: "BUEN",
        aliases: &[],
    },
    Place {
        name: "RIO DE JANEIRO",
        code: "RIOD",
        aliases: &[],
    },
    Place {
        name: "SANTIAGO",
        code: "SANT",
        aliases: &[],
    },
    Place {
        name: "LIMA",
        code: "LIMA",
        aliases: &[],
    },
    Place {
        name: "QUITO",
        code: "QUIT",
        aliases: &[],
    },
    Place {
        name: "BOGOTA",
        code: "BOGO",
        aliases: &[],
    },
    Place {
        name: "KINGSTON",
        code: "KING",
        aliases: &[],
    },
    Place {
        name: "PORT-AU-PRINCE",
        code: "PAUP",
        aliases: &[],
    },
    Place {
        name: "NEW ORLEANS",
        code: "NEWO",
        aliases: &[],
    },
    Place {
        name: "NEW YORK",
        code: "NEWY",
        aliases: &[],
    },
];

/// Shortest word matched with one letter of OCR damage: shorter words
/// are too often another word one letter off.
const FUZZY_MIN: usize = 5;

/// The place a word or phrase names: by full name, alias or designator
/// exactly, or by full name or alias one letter off (`SATGON`, `JAWAVE`).
pub fn lookup(w: &str) -> Option<&'static Place> {
    let w = w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '/');
    if w.is_empty() {
        return None;
    }
    let exact = |p: &&Place| {
        p.name.eq_ignore_ascii_case(w)
            || p.code.eq_ignore_ascii_case(w)
            || p.aliases.iter().any(|a| a.eq_ignore_ascii_case(w))
    };
    if let Some(p) = PLACES.iter().find(exact) {
        return Some(p);
    }
    if w.len() < FUZZY_MIN {
        return None;
    }
    let near = |s: &str| super::lines::near(w, s, 1);
    let mut hits = PLACES
        .iter()
        .filter(|p| near(p.name) || p.aliases.iter().any(|a| near(a)));
    let first = hits.next()?;
    // One letter off two places names neither.
    hits.next().is_none().then_some(first)
}

/// The place a value misreads: a misreading of a name or designator, but
/// not the name or designator itself, which stays as written (`MEXI`).
pub fn correct(w: &str) -> Option<&'static Place> {
    let p = lookup(w)?;
    let c = w.trim_matches(|c: char| !c.is_ascii_alphanumeric() && c != '/');
    let written = p.name.eq_ignore_ascii_case(c) || p.code.eq_ignore_ascii_case(c);
    (!written).then_some(p)
}

/// The place named at the start of `words`, trying two words then one
/// (`MEXICO CITY`, then `MEXI`): the place and how many words it took.
pub fn lookup_words(words: &[&str]) -> Option<(&'static Place, usize)> {
    if words.len() >= 2 {
        let two = format!("{} {}", words[0], words[1]);
        if let Some(p) = lookup(&two).filter(|p| p.name.contains(' ')) {
            return Some((p, 2));
        }
    }
    lookup(words.first()?).map(|p| (p, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_codes_and_aliases() {
        assert_eq!(lookup("MEXI").map(|p| p.name), Some("MEXICO CITY"));
        assert_eq!(lookup("wave").map(|p| p.name), Some("JMWAVE"));
        assert_eq!(lookup("DIR").map(|p| p.name), Some("DIRECTOR"));
        assert_eq!(
            lookup_words(&["MEXICO", "CITY", "1234"]).map(|(p, n)| (p.name, n)),
            Some(("MEXICO CITY", 2))
        );
    }

    #[test]
    fn misread_station_names() {
        assert_eq!(lookup("SATGON").map(|p| p.name), Some("SAIGON"));
        assert_eq!(lookup("JAWAVE").map(|p| p.name), Some("JMWAVE"));
        assert_eq!(lookup("INVAVE").map(|p| p.name), Some("JMWAVE"));
        assert_eq!(lookup("DIRECT0R").map(|p| p.name), Some("DIRECTOR"));
    }

    #[test]
    fn a_designator_stays_as_written_and_a_misreading_is_corrected() {
        assert!(correct("MEXI").is_none());
        assert!(correct("DIRECTOR").is_none());
        assert_eq!(correct("OIRECTOR").map(|p| p.name), Some("DIRECTOR"));
        assert_eq!(correct("UMWAVE.").map(|p| p.name), Some("JMWAVE"));
    }

    #[test]
    fn short_or_ordinary_words_are_not_places() {
        assert!(lookup("THE").is_none());
        assert!(lookup("LIMB").is_none());
        assert!(lookup("MEXIC0 CITY X").is_none());
        assert!(lookup("").is_none());
    }

    #[test]
    fn every_code_and_name_names_one_place() {
        for p in PLACES {
            assert!(std::ptr::eq(lookup(p.code).unwrap(), p), "{}", p.code);
            assert!(std::ptr::eq(lookup(p.name).unwrap(), p), "{}", p.name);
        }
    }
}
