//! The message and its parts, in the JSON shape a draft is written in
//! (`airgram message example` prints one).

use serde::{Deserialize, Serialize};

/// What kind of message: the form it is written on and sent as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum MessageType {
    Telegram,
    Airgram,
    Memorandum,
}

/// How fast an addressee must act (5 FAH-2 H-440), highest first.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub enum Precedence {
    #[serde(rename = "FLASH")]
    Flash,
    /// IMMEDIATE, to be acted on at night: the addressee is woken.
    #[serde(rename = "NIACT IMMEDIATE")]
    NiactImmediate,
    #[serde(rename = "IMMEDIATE")]
    Immediate,
    #[serde(rename = "ROUTINE")]
    Routine,
}

impl Precedence {
    /// Whether the addressee must acknowledge receipt.
    pub fn needs_acknowledgement(self) -> bool {
        matches!(self, Precedence::Flash | Precedence::NiactImmediate)
    }
}

/// One addressee, with the precedence marked for it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Addressee {
    pub name: String,
    pub precedence: Precedence,
}

/// What a clearance vouches for.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum ClearanceKind {
    /// The text as written.
    #[default]
    Full,
    /// The substance, not every word.
    Substance,
    /// Informed, not asked to agree.
    Info,
}

/// A clearance the draft needs: the office, and once given, who gave it
/// and when.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Clearance {
    pub office: String,
    #[serde(default)]
    pub kind: ClearanceKind,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// Who wrote it: office, name and typist, and the date drafted
/// (`DCM:EDurston/AM` on the seed's form).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Role {
    pub office: String,
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub typist: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub date: Option<String>,
}

/// When the information may be declassified: a date or an event.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "lowercase")]
pub enum Declassify {
    Date(String),
    Event(String),
}

/// The classification block of a classified message (E.O. 13526 §1.6).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Block {
    /// Name and position of the classifier.
    pub classified_by: String,
    /// The reason: `1.4(a)` to `1.4(h)`.
    pub reason: String,
    pub declassify_on: Declassify,
}

/// One paragraph of the body, opening with its portion mark.
pub type Paragraph = String;

/// A message as drafted.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Message {
    #[serde(rename = "type")]
    pub kind: MessageType,
    /// The originating post (`USRO PARIS`).
    pub post: String,
    /// The series its number is taken from at release (`POLTO A`).
    pub series: String,
    pub drafter: Role,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub approver: Option<Role>,
    #[serde(default)]
    pub clearances: Vec<Clearance>,
    pub to: Vec<Addressee>,
    #[serde(default)]
    pub info: Vec<Addressee>,
    /// Agencies the addressee passes it to (`PASS DEFENSE`).
    #[serde(default)]
    pub pass: Vec<String>,
    /// Handling captions (`EXDIS`, `NOFORN`).
    #[serde(default)]
    pub captions: Vec<String>,
    #[serde(default)]
    pub tags: Vec<String>,
    /// The subject, opening with its portion mark.
    pub subject: String,
    /// Messages it cites (`POLTO 599`).
    #[serde(default)]
    pub refs: Vec<String>,
    pub paragraphs: Vec<Paragraph>,
    /// The overall classification, as stated (`SECRET`).
    pub classification: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub block: Option<Block>,
}

impl Message {
    /// Every addressee: TO, then INFO.
    pub fn addressees(&self) -> impl Iterator<Item = &Addressee> {
        self.to.iter().chain(&self.info)
    }

    /// A complete, valid draft: POLTO A-517's successor as USRO Paris
    /// would draft it today, SECRET, to the Department with a pass to
    /// Defense and information copies to posts, one clearance needed.
    pub fn example() -> Message {
        let routine = |n: &str| Addressee {
            name: n.into(),
            precedence: Precedence::Routine,
        };
        Message {
            kind: MessageType::Airgram,
            post: "USRO PARIS".into(),
            series: "POLTO A".into(),
            drafter: Role {
                office: "DCM".into(),
                name: "EDurston".into(),
                typist: Some("AM".into()),
                date: Some("1962-10-02".into()),
            },
            approver: Some(Role {
                office: "USRO".into(),
                name: "TKFinletter".into(),
                typist: None,
                date: None,
            }),
            clearances: vec![Clearance {
                office: "POL".into(),
                kind: ClearanceKind::Full,
                name: None,
                date: None,
            }],
            to: vec![routine("SECSTATE WASHINGTON")],
            info: ["AMEMBASSY BONN", "AMEMBASSY LONDON", "AMEMBASSY ROME", "AMEMBASSY OTTAWA"]
                .into_iter()
                .map(routine)
                .collect(),
            pass: vec!["DEFENSE".into()],
            captions: vec![],
            tags: vec!["PREL".into(), "NATO".into()],
            subject: "(C) NAC consultation on Berlin contingency planning".into(),
            refs: vec!["TOPOL 599".into(), "TOPOL 603".into()],
            paragraphs: vec![
                "(C) The Council met in restricted session on October 1 to hear the Secretary General's report on consultations under TOPOLs 599 and 603.".into(),
                "(S) The UK and French representatives reserved their positions on the contingency plans pending instructions.".into(),
                "(U) The next meeting is set for October 10.".into(),
            ],
            classification: "SECRET".into(),
            block: Some(Block {
                classified_by: "Thomas K. Finletter, Ambassador".into(),
                reason: "1.4(b)".into(),
                declassify_on: Declassify::Date("1987-10-02".into()),
            }),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_json_shape_round_trips() {
        let m = Message::example();
        let j = serde_json::to_string_pretty(&m).unwrap();
        assert!(
            j.contains("\"type\": \"airgram\"") && j.contains("\"precedence\": \"ROUTINE\""),
            "{j}"
        );
        assert_eq!(serde_json::from_str::<Message>(&j).unwrap(), m);
    }
}
