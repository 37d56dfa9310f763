//! The generator's own vocabulary: posts, series, names, subjects and
//! sentence parts. Written for this project; no corpus text is reused.

/// A post: its telegraphic address, its FRUS editorial name, and the city
/// as a FRUS dateline or "Repeated to" list writes it.
pub struct Post {
    pub cable: &'static str,
    pub frus: &'static str,
    pub city: &'static str,
}

pub const STATE: Post = Post {
    cable: "SECSTATE WASHINGTON",
    frus: "Department of State",
    city: "Washington",
};
pub const USRO: Post = Post {
    cable: "USRO PARIS",
    frus: "Mission to the North Atlantic Treaty Organization and European Regional Organizations",
    city: "Paris",
};
pub const USUN: Post = Post {
    cable: "USUN NEW YORK",
    frus: "Mission to the United Nations",
    city: "New York",
};
pub const USDEL: Post = Post {
    cable: "USDEL GENEVA",
    frus: "Delegation at the Geneva Conference",
    city: "Geneva",
};
pub const USEC: Post = Post {
    cable: "USEC BRUSSELS",
    frus: "Mission to the European Communities",
    city: "Brussels",
};

macro_rules! emb {
    ($cable:literal, $country:literal, $city:literal) => {
        Post {
            cable: concat!("AMEMBASSY ", $cable),
            frus: concat!("Embassy in ", $country),
            city: $city,
        }
    };
}

pub const EMBASSIES: &[Post] = &[
    emb!("BONN", "Germany", "Bonn"),
    emb!("LONDON", "the United Kingdom", "London"),
    emb!("PARIS", "France", "Paris"),
    emb!("ROME", "Italy", "Rome"),
    emb!("MOSCOW", "the Soviet Union", "Moscow"),
    emb!("ANKARA", "Turkey", "Ankara"),
    emb!("ATHENS", "Greece", "Athens"),
    emb!("THE HAGUE", "the Netherlands", "The Hague"),
    emb!("BRUSSELS", "Belgium", "Brussels"),
    emb!("OTTAWA", "Canada", "Ottawa"),
    emb!("TOKYO", "Japan", "Tokyo"),
    emb!("NEW DELHI", "India", "New Delhi"),
    emb!("KARACHI", "Pakistan", "Karachi"),
    emb!("CAIRO", "the United Arab Republic", "Cairo"),
    emb!("SAIGON", "Vietnam", "Saigon"),
    emb!("VIENTIANE", "Laos", "Vientiane"),
    emb!("MEXICO", "Mexico", "Mexico City"),
    emb!("RIO DE JANEIRO", "Brazil", "Rio de Janeiro"),
    emb!("BUENOS AIRES", "Argentina", "Buenos Aires"),
    emb!("OSLO", "Norway", "Oslo"),
    emb!("COPENHAGEN", "Denmark", "Copenhagen"),
    emb!("LISBON", "Portugal", "Lisbon"),
    emb!("MADRID", "Spain", "Madrid"),
    emb!("WARSAW", "Poland", "Warsaw"),
    emb!("BELGRADE", "Yugoslavia", "Belgrade"),
];

/// Which end of a channel an embassy fills, when one does.
#[derive(Clone, Copy)]
pub enum End {
    Fixed(&'static Post),
    AnyEmbassy,
}

#[derive(Clone, Copy, PartialEq, Eq, Debug)]
pub enum Kind {
    Telegram,
    Airgram,
    Memo,
}

/// A numbered channel: one series, one direction, one document kind. Each
/// channel keeps its own counter, so `POLTO 12` and `POLTO A-12` coexist.
pub struct Channel {
    pub series: &'static str,
    pub kind: Kind,
    pub from: End,
    pub to: End,
    /// Slots per block of [`BLOCK`] documents.
    pub weight: u32,
    /// First number the counter hands out.
    pub base: u64,
}

const fn ch(series: &'static str, kind: Kind, from: End, to: End, weight: u32, base: u64) -> Channel {
    Channel {
        series,
        kind,
        from,
        to,
        weight,
        base,
    }
}

use End::{AnyEmbassy, Fixed};
use Kind::{Airgram, Memo, Telegram};

/// Documents per numbering block; the channel weights sum to it.
pub const BLOCK: u32 = 40;

pub const CHANNELS: &[Channel] = &[
    ch("POLTO", Telegram, Fixed(&USRO), Fixed(&STATE), 4, 311),
    ch("TOPOL", Telegram, Fixed(&STATE), Fixed(&USRO), 3, 287),
    ch("SECTO", Telegram, Fixed(&USDEL), Fixed(&STATE), 2, 41),
    ch("TOSEC", Telegram, Fixed(&STATE), Fixed(&USDEL), 2, 37),
    ch("DELGA", Telegram, Fixed(&USUN), Fixed(&STATE), 2, 118),
    ch("GADEL", Telegram, Fixed(&STATE), Fixed(&USUN), 1, 96),
    ch("ECBUS", Telegram, Fixed(&USEC), Fixed(&STATE), 1, 52),
    ch("BUSEC", Telegram, Fixed(&STATE), Fixed(&USEC), 1, 48),
    ch("EMBTEL", Telegram, AnyEmbassy, Fixed(&STATE), 6, 1204),
    ch("DEPTEL", Telegram, Fixed(&STATE), AnyEmbassy, 6, 1377),
    ch("POLTO", Airgram, Fixed(&USRO), Fixed(&STATE), 2, 402),
    ch("TOPOL", Airgram, Fixed(&STATE), Fixed(&USRO), 1, 150),
    ch("SECTO", Airgram, Fixed(&USDEL), Fixed(&STATE), 1, 12),
    ch("DELGA", Airgram, Fixed(&USUN), Fixed(&STATE), 1, 75),
    ch("ECBUS", Airgram, Fixed(&USEC), Fixed(&STATE), 1, 20),
    ch("MEMO", Memo, Fixed(&STATE), Fixed(&STATE), 6, 0),
];

/// The channel that answers `series` (POLTO ↔ TOPOL): bodies cite both.
pub fn partner(series: &str) -> &'static str {
    match series {
        "POLTO" => "TOPOL",
        "TOPOL" => "POLTO",
        "SECTO" => "TOSEC",
        "TOSEC" => "SECTO",
        "DELGA" => "GADEL",
        "GADEL" => "DELGA",
        "ECBUS" => "BUSEC",
        "BUSEC" => "ECBUS",
        "EMBTEL" => "DEPTEL",
        _ => "EMBTEL",
    }
}

/// FRUS spelling of a series word: `Polto`, `Deptel`.
pub fn title_series(series: &str) -> String {
    let mut s = String::with_capacity(series.len());
    for (k, c) in series.chars().enumerate() {
        s.push(if k == 0 { c } else { c.to_ascii_lowercase() });
    }
    s
}

/// Surnames invented or generic enough to belong to no one in particular.
pub const SURNAMES: &[&str] = &[
    "Whitcomb",
    "Hallam",
    "Prescott",
    "Danforth",
    "Merriweather",
    "Bramwell",
    "Everly",
    "Fairbanks",
    "Garrick",
    "Holloway",
    "Ingram",
    "Kendrick",
    "Lockwood",
    "Marlowe",
    "Norcross",
    "Osgood",
    "Pemberton",
    "Quarles",
    "Rutledge",
    "Stanhope",
    "Thorne",
    "Underhill",
    "Winslow",
    "Yardley",
    "Ashby",
    "Bellamy",
    "Carver",
    "Delancey",
    "Ellsworth",
    "Fenwick",
    "Greaves",
    "Hartwell",
    "Jarvis",
    "Kimball",
    "Langdon",
    "Mayhew",
    "Newbold",
    "Pruitt",
    "Radcliffe",
    "Sedgwick",
    "Tolliver",
    "Upham",
    "Wendell",
];

pub const FIRST_INITIALS: &[&str] = &["A", "B", "C", "D", "E", "F", "G", "H", "J", "L", "M", "R", "S", "W"];
pub const FIRST_NAMES: &[&str] = &[
    "Arthur", "Benjamin", "Charles", "Donald", "Edward", "Francis", "George", "Harold", "John", "Lewis", "Martin",
    "Robert", "Samuel", "Walter",
];
pub const TYPIST: &[&str] = &["ms", "jb", "am", "rk", "lt", "ew", "dh", "cp"];

/// Foreign statesmen of the generated world.
pub const FOREIGN: &[&str] = &[
    "Valentov",
    "Dressler",
    "Moravec",
    "Castellane",
    "Ruyter",
    "Aldana",
    "Stavrides",
    "Lindqvist",
    "Ferraro",
    "Okada",
    "Brennecke",
    "Tarasenko",
    "Delvaux",
    "Haldane",
    "Sorensen",
    "Mirović",
];

pub const DELEGATIONS: &[&str] = &[
    "UK",
    "France",
    "Germany",
    "Italy",
    "Canada",
    "Belgium",
    "Dutch",
    "Norway",
    "Denmark",
    "Greece",
    "Turkey",
    "Portugal",
    "Luxembourg",
];

/// Subject matter: (upper-case subject tail, lower-case topic for prose).
pub const TOPICS: &[(&str, &str)] = &[
    ("BERLIN CONTINGENCY PLANNING", "Berlin contingency planning"),
    ("NUCLEAR TEST SUSPENSION", "the test suspension talks"),
    ("MULTILATERAL FORCE", "the multilateral force"),
    ("LAOS SETTLEMENT", "the Laos settlement"),
    ("CONGO OPERATIONS", "the Congo operation"),
    ("CYPRUS", "the Cyprus question"),
    ("TRADE EXPANSION NEGOTIATIONS", "the tariff negotiations"),
    ("BALANCE OF PAYMENTS", "the balance of payments problem"),
    ("CIVIL AIR AGREEMENT", "the civil air agreement"),
    ("FISHERIES LIMITS", "the fisheries dispute"),
    ("DISARMAMENT COMMITTEE", "the disarmament committee"),
    ("FORCE GOALS", "the force goals review"),
    ("SURPLUS COMMODITIES", "the surplus commodity program"),
    ("ECONOMIC AID CONSORTIUM", "the aid consortium"),
    ("SPACE COOPERATION", "cooperation in space research"),
    ("ACCESS ROUTES", "the access routes"),
    ("CHINESE REPRESENTATION", "Chinese representation"),
    ("OFFSET PAYMENTS", "the offset arrangements"),
    ("BASE RIGHTS", "the base rights talks"),
    ("REFUGEE RELIEF", "refugee relief"),
];

pub const EVENTS: &[&str] = &[
    "PRIVATE NAC MEETING",
    "PERMREPS LUNCH",
    "CONVERSATION WITH FOREIGN MINISTER",
    "MINISTERIAL PREPARATIONS",
    "COUNCIL DISCUSSION",
    "WORKING GROUP REPORT",
    "CALL ON PRIME MINISTER",
    "DEMARCHE",
    "AMBASSADORIAL GROUP",
    "GOVERNMENT VIEWS",
];

pub const MONTH_ABBR: &[&str] = &[
    "JAN.", "FEB.", "MAR.", "APR.", "MAY", "JUNE", "JULY", "AUG.", "SEPT.", "OCT.", "NOV.", "DEC.",
];
pub const MONTHS: &[&str] = &[
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
];
pub const MON3: &[&str] = &[
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

/// Distribution-grid office symbols.
pub const OFFICES: &[&str] = &[
    "EUR", "FE", "NEA", "AF", "ARA", "IO", "INR", "SP", "G", "H", "L", "E", "CU", "USIA", "NSC", "DOD", "CIA", "ACDA",
    "AID", "TRSY", "COM", "LAB", "AGR", "INT", "AIR", "ARMY", "NAVY", "OSD", "SS", "RMR", "PM", "TAR",
];

/// Drafting offices (`POL:JHallam/ms`).
pub const DRAFT_OFFICES: &[&str] = &["POL", "ECON", "DCM", "PM", "EUR/RPM", "IO/UNP", "E/ORF", "S/S"];

/// Memorandum senders: (FRUS title, office symbol).
pub const MEMO_SENDERS: &[(&str, &str)] = &[
    ("Assistant Secretary of State for European Affairs", "EUR"),
    ("Assistant Secretary of State for Far Eastern Affairs", "FE"),
    (
        "Assistant Secretary of State for International Organization Affairs",
        "IO",
    ),
    ("Director of the Policy Planning Staff", "S/P"),
    ("Director of the Bureau of Intelligence and Research", "INR"),
    ("Legal Adviser of the Department of State", "L"),
];

pub const REVIEW_OFFICES: &[&str] = &["IS/PRC/CDR", "IN/CDR", "A/GIS/IPS/CDR", "NARS", "IS/FPC/CDR"];

pub const HANDLING: &[&str] = &["NODIS", "EXDIS", "LIMDIS", "NOFORN", "EYES ONLY"];
/// How a FRUS source note writes each caveat.
pub fn handling_frus(h: &str) -> &'static str {
    match h {
        "NODIS" => "Nodis",
        "EXDIS" => "Exdis",
        "LIMDIS" => "Limdis",
        "NOFORN" => "Noforn",
        _ => "Eyes Only",
    }
}

pub const PRECEDENCE: &[&str] = &["ROUTINE", "PRIORITY", "IMMEDIATE", "NIACT", "FLASH"];

/// Sentence openers and continuations; `{T}` topic, `{D}` delegation,
/// `{F}` foreign statesman, `{P}` US official.
pub const SENTENCES: &[&str] = &[
    "{D} representative opened by reviewing {T} and said his government saw no reason to alter its position at this stage.",
    "{F} told us privately that he expects no movement on {T} before the end of the month.",
    "We pointed out that any change on {T} would have to be weighed against the commitments already made in the Council.",
    "{D} supported the general line but asked that the working group report again before ministers meet.",
    "In our judgment {F} was speaking for himself rather than for his cabinet, although he chose his words with care.",
    "Several delegations expressed concern that the timing of any announcement on {T} could be misread in Moscow.",
    "{P} reminded the group that the United States had consistently favored full consultation on {T}.",
    "{D} said its experts would be ready to discuss the technical aspects within two weeks.",
    "There was general agreement that the present text should serve as a basis for further work, subject to drafting changes.",
    "{F} added that the opposition would exploit any sign of hesitation and urged that the allies keep the matter out of the press.",
    "We doubt that a formal reply is needed, but would welcome the Department's views on whether an oral statement would suffice.",
    "Secretary General summed up by noting broad consensus that {T} should remain under active study.",
    "{D} questioned whether the figures circulated last week reflected the latest national submissions.",
    "Embassy believes the government will accept the proposal if it is presented as a joint initiative rather than a United States plan.",
    "{F} stressed that his government could not go further without parliamentary approval, which would take several months.",
    "Discussion then turned to {T}, where views were sharply divided along familiar lines.",
    "{P} said the Department was studying the question urgently and hoped to provide guidance shortly.",
    "No decision was taken, and the chairman proposed to return to the subject at the next regular meeting.",
    "Press reports of a split within the alliance on {T} were described by {F} as exaggerated.",
    "We recommend that the Department authorize us to inform {D} delegation informally of our thinking.",
    "{D} indicated it could accept the compromise language provided the final paragraph is dropped.",
    "It is our impression that the other side is testing allied unity rather than seeking a genuine settlement.",
    "{F} asked whether the United States would be prepared to share the results of its own study of {T}.",
    "Council agreed to instruct the committee to prepare a factual report for circulation before the ministerial session.",
    "{F} was noticeably more reserved than at our last meeting and avoided any commitment on {T}.",
    "Foreign Office official confirmed that instructions had gone to their representatives in the other capitals.",
    "We have the impression that the coalition partners have not yet agreed among themselves on {T}.",
    "{D} proposed that the matter be referred to the permanent representatives for further study.",
    "Local press has given the story prominent play but editorial comment has been restrained.",
    "{P} and I called on {F} this afternoon and left an informal paper summarizing our views.",
    "He made it clear that his remarks were not to be reported to other delegations.",
    "Unless the Department perceives objection, we propose to take the same line with {D} tomorrow.",
    "{D} representative doubted that his authorities would agree to any public statement at this time.",
    "Atmosphere of the meeting was cordial, though there was evident irritation at the short notice.",
    "{F} hinted that a concession on {T} might be possible if the allies showed flexibility elsewhere.",
    "Chairman noted that several governments had not yet replied to the questionnaire.",
    "We will report further as soon as the text of the communique is available.",
    "{P} emphasized that nothing said today should be taken as a change in United States policy.",
    "Ministry spokesman declined comment when asked about reports of a visit by {F}.",
    "It was agreed that the next meeting would be devoted entirely to {T}.",
];

/// Sentences that cite earlier traffic; `{C}` is the citation.
pub const CITE_SENTENCES: &[&str] = &[
    "I opened discussion by giving points {C} on present negotiating position.",
    "Following instructions {C}, we made the approach this morning.",
    "As reported {C}, the Council has not yet reached a common view.",
    "Gist of {C} was conveyed to {D} delegation at the working level.",
    "Our position remains as set forth {C}, and we see no reason to modify it.",
    "We drew on highlights {C} in replying to questions from {D}.",
    "Department will recall {C} giving background on {T}.",
    "{F} had already seen text of {C} and expressed appreciation for early consultation.",
    "Comments contained {C} have been passed to the Foreign Office.",
    "Substance of {C} was discussed with {F} who promised an early reply.",
    "Embassy concurs in the assessment given {C} and has nothing to add at this time.",
    "In accordance with {C} we informed the chairman of our reservations.",
];

// SENTENCES must fit the `used` bit set of the writer.
const _: () = assert!(SENTENCES.len() <= 64);
