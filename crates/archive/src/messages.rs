//! Writing messages (issue 20): the workflow over the store's messages and
//! numbers, with the messaging crate's rules. A message is held at the
//! label its portions and captions add up to; a reader who may not see
//! that label finds no such message, exactly as for a record.

use crate::{Archive, ArchiveError, Result};
use airgram_access::{Label, Reader};
use airgram_messaging::{numbering, validate, Action, ClearanceKind, Message, State};
use airgram_store::{AuditNote, NumberEntry, Role, StoreError};
use serde::Serialize;

/// A message as its reader gets it.
#[derive(Debug, Clone, Serialize)]
pub struct MessageView {
    pub id: u64,
    pub state: &'static str,
    /// The release number, as cited (`POLTO A-518`), once released.
    pub number: Option<String>,
    pub label: String,
    pub drafter: String,
    pub created: String,
    pub message: Message,
    /// What must be fixed before it may go for clearance.
    pub problems: Vec<airgram_messaging::Problem>,
}

/// A series' register for a year, and what is missing from it.
#[derive(Debug, Clone, Serialize)]
pub struct Register {
    pub series: String,
    pub year: i32,
    pub numbers: Vec<RegisterEntry>,
    /// Numbers below the last one handed out that are in no entry: none in
    /// a healthy series.
    pub missing: Vec<u64>,
}

/// What transmitting gave a message.
#[derive(Debug, Clone, Serialize)]
pub struct Transmitted {
    pub number: String,
    /// `DDHHMMZ MON YY`.
    pub dtg: String,
    /// The archive record it became.
    pub record: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct RegisterEntry {
    pub number: String,
    pub message: Option<u64>,
    pub void: Option<String>,
    pub by: String,
    pub at: String,
}

/// A store refusal of a step someone else took first is the caller's
/// conflict, not a store failure.
fn stepped(e: StoreError) -> ArchiveError {
    match e {
        StoreError::Conflict(m) => ArchiveError::Conflict(m),
        e => ArchiveError::Store(e),
    }
}

impl Archive {
    fn signed_in(reader: &Reader, what: &str) -> Result<String> {
        reader
            .name
            .clone()
            .ok_or_else(|| ArchiveError::Forbidden(format!("{what} needs a signed-in user")))
    }

    /// A signed-in user whose role releases messages (and so may also
    /// transmit them): their name.
    fn releaser(&self, reader: &Reader, what: &str) -> Result<String> {
        let who = Self::signed_in(reader, what)?;
        let role = self.store.user(&who)?.filter(|u| !u.disabled).map(|u| u.role);
        if !role.is_some_and(Role::releases) {
            return Err(ArchiveError::Forbidden(format!("{who} may not {what} messages")));
        }
        Ok(who)
    }

    /// A message `reader` may see, with its text; `NotFound` alike for one
    /// that does not exist and one above the reader.
    fn visible_message(&self, reader: &Reader, id: u64) -> Result<(airgram_store::StoredMessage, Message, Label)> {
        let not_found = || ArchiveError::NotFound(format!("message {id}"));
        let m = self.store.message(id)?.ok_or_else(not_found)?;
        let msg: Message = serde_json::from_str(&m.body)
            .map_err(|e| ArchiveError::Store(StoreError::Corrupt(format!("message {id}: {e}"))))?;
        let label = held_at(&msg);
        if !reader.may_see(&label) || m.state == State::Deleted {
            return Err(not_found());
        }
        Ok((m, msg, label))
    }

    /// Saves a new draft; its id. A draft may have problems (see
    /// [`Archive::show_message`]); it may not be held above its drafter.
    pub fn draft_message(&self, reader: &Reader, msg: &Message) -> Result<u64> {
        let who = Self::signed_in(reader, "drafting")?;
        let label = held_at(msg);
        if !reader.may_see(&label) {
            return Err(ArchiveError::Forbidden(format!(
                "the draft is marked {label}, above what {who} may read"
            )));
        }
        let body = serde_json::to_string(msg).map_err(|e| ArchiveError::Invalid(e.to_string()))?;
        Ok(self.store.add_draft(
            &body,
            &who,
            &AuditNote::new(&who, "message.draft", "message", &label.to_string()),
        )?)
    }

    pub fn show_message(&self, reader: &Reader, id: u64) -> Result<MessageView> {
        let (m, msg, label) = self.visible_message(reader, id)?;
        Ok(MessageView {
            id,
            state: m.state.word(),
            number: m.number.as_ref().map(|(s, _, n)| numbering::number(s, *n)),
            label: label.to_string(),
            drafter: m.drafter,
            created: m.created,
            problems: validate(&msg),
            message: msg,
        })
    }

    /// Sends a draft round for clearance (straight to cleared when it
    /// needs none); refused while it has problems.
    pub fn submit_message(&self, reader: &Reader, id: u64) -> Result<State> {
        let who = Self::signed_in(reader, "submitting")?;
        let (m, msg, _) = self.visible_message(reader, id)?;
        let problems = validate(&msg);
        if !problems.is_empty() {
            let list: Vec<String> = problems.iter().map(|p| format!("{}: {}", p.part, p.message)).collect();
            return Err(ArchiveError::Invalid(format!(
                "message {id} is not ready: {}",
                list.join("; ")
            )));
        }
        let mut to = m.state.next(Action::Submit).map_err(ArchiveError::Conflict)?;
        if msg.clearances.iter().all(|c| c.name.is_some()) {
            to = to.next(Action::ClearLast).map_err(ArchiveError::Conflict)?;
        }
        self.store
            .move_message(
                id,
                &[m.state],
                to,
                &AuditNote::new(&who, "message.submit", "message", ""),
            )
            .map_err(stepped)?;
        Ok(to)
    }

    /// Gives `office`'s clearance as `reader`; the message is cleared when
    /// the last one is in.
    pub fn clear_message(&self, reader: &Reader, id: u64, office: &str, kind: ClearanceKind) -> Result<State> {
        let who = Self::signed_in(reader, "clearing")?;
        let (m, mut msg, _) = self.visible_message(reader, id)?;
        if m.state != State::InClearance {
            return Err(ArchiveError::Conflict(format!(
                "message {id} is {}, not in clearance",
                m.state.word()
            )));
        }
        let Some(c) = msg
            .clearances
            .iter_mut()
            .find(|c| c.office.eq_ignore_ascii_case(office) && c.name.is_none())
        else {
            return Err(ArchiveError::Invalid(format!(
                "message {id} awaits no clearance from {office}"
            )));
        };
        c.name = Some(who.clone());
        c.kind = kind;
        c.date = Some(day_of(i64::try_from(self.store.now()).unwrap_or(0)));
        let to = if msg.clearances.iter().all(|c| c.name.is_some()) {
            State::Cleared
        } else {
            State::InClearance
        };
        let body = serde_json::to_string(&msg).map_err(|e| ArchiveError::Invalid(e.to_string()))?;
        self.store
            .edit_message(
                id,
                &body,
                &[State::InClearance],
                to,
                &AuditNote::new(&who, "message.clear", "message", office),
            )
            .map_err(stepped)?;
        Ok(to)
    }

    /// Releases cleared messages: a releaser, re-authenticated once, who
    /// is not their drafter; each number is taken in its message's own
    /// releasing transaction. Each message's number as cited, or why it
    /// was not released.
    pub fn release_messages(&self, reader: &Reader, ids: &[u64], password: &str) -> Result<Vec<Result<String>>> {
        let who = self.releaser(reader, "release")?;
        if !self.verify_password(&who, password)? {
            return Err(ArchiveError::Forbidden(
                "re-authentication failed: wrong password".into(),
            ));
        }
        let mut out = Vec::with_capacity(ids.len());
        for (i, &id) in ids.iter().enumerate() {
            // Test hook: `message.release@N:abort` dies before the Nth.
            crate::fail_point("message.release", i as u64 + 1)?;
            out.push(self.release_one(reader, &who, id));
        }
        Ok(out)
    }

    fn release_one(&self, reader: &Reader, who: &str, id: u64) -> Result<String> {
        let (m, msg, _) = self.visible_message(reader, id)?;
        if m.drafter == who {
            return Err(ArchiveError::Forbidden(format!(
                "message {id} is released by someone other than its drafter"
            )));
        }
        m.state.next(Action::Release).map_err(ArchiveError::Conflict)?;
        let year = calendar_year(self.store.now());
        let n = self
            .store
            .release_message(
                id,
                State::Cleared,
                &msg.series,
                year,
                &AuditNote::new(who, "message.release", "message", &msg.series),
            )
            .map_err(stepped)?;
        Ok(numbering::number(&msg.series, n))
    }

    /// Transmits a released message from its post: a date-time group no
    /// other message of the post holds, and at once a record in the
    /// archive, held at the message's label, whose verbatim source is the
    /// airgram as rendered. Transmitting again (after a crash between the
    /// two) only makes sure the record is there.
    pub fn transmit_message(&self, reader: &Reader, id: u64) -> Result<Transmitted> {
        let who = self.releaser(reader, "transmit")?;
        let (m, msg, label) = self.visible_message(reader, id)?;
        let dtg_at = match (m.state, m.dtg_at) {
            (State::Transmitted | State::Delivered | State::Acknowledged, Some(at)) => at,
            _ => {
                m.state.next(Action::Transmit).map_err(ArchiveError::Conflict)?;
                let now = i64::try_from(self.store.now()).unwrap_or(i64::MAX);
                self.store
                    .transmit_message(
                        id,
                        &msg.post,
                        now,
                        &AuditNote::new(&who, "message.transmit", "message", ""),
                    )
                    .map_err(stepped)?
            }
        };
        let (series, _, n) = m
            .number
            .clone()
            .ok_or_else(|| ArchiveError::Store(StoreError::Corrupt(format!("message {id} has no number"))))?;
        let number = numbering::number(&series, n);
        let text = airgram_messaging::render::airgram(&msg, &number, &day_of(dtg_at));
        let record = crate::content_id(text.as_bytes());
        let input = crate::Input {
            source_path: format!("messages/{}.txt", number.replace(' ', "-")),
            source: text.into_bytes(),
            parsed: None,
            versions: Some(vec![(airgram_access::VersionKind::Original, label)]),
            authority: None,
        };
        self.ingest([input], &crate::IngestOptions::default(), |_| {})?;
        Ok(Transmitted {
            number,
            dtg: numbering::dtg(dtg_at),
            record,
        })
    }

    /// A released message rendered for sending: the airgram form, or the
    /// cable with its date-time group once it has one.
    pub fn render_message(&self, reader: &Reader, id: u64, cable: bool) -> Result<String> {
        let (m, msg, _) = self.visible_message(reader, id)?;
        let Some((series, _, n)) = &m.number else {
            return Err(ArchiveError::Conflict(format!(
                "message {id} is {}: only a numbered message is rendered",
                m.state.word()
            )));
        };
        let number = numbering::number(series, *n);
        let at = m.dtg_at.unwrap_or_else(|| i64::try_from(self.store.now()).unwrap_or(0));
        Ok(if cable {
            airgram_messaging::render::cable(&msg, &number, &numbering::dtg(at))
        } else {
            airgram_messaging::render::airgram(&msg, &number, &day_of(at))
        })
    }

    /// Voids the next number of `series` this year, with the reason.
    pub fn void_number(&self, reader: &Reader, series: &str, reason: &str) -> Result<String> {
        let who = Self::signed_in(reader, "voiding a number")?;
        if reason.trim().is_empty() {
            return Err(ArchiveError::Invalid("a voided number needs its reason".into()));
        }
        let year = calendar_year(self.store.now());
        let n = self.store.void_number(
            series,
            year,
            reason,
            &AuditNote::new(&who, "message.void", series, reason),
        )?;
        Ok(numbering::number(series, n))
    }

    /// The register of `series` in `year` (this year when `None`).
    pub fn register(&self, series: &str, year: Option<i32>) -> Result<Register> {
        let year = year.unwrap_or_else(|| calendar_year(self.store.now()));
        let entries: Vec<NumberEntry> = self.store.register(series, year)?;
        let held: std::collections::BTreeSet<u64> = entries.iter().map(|e| e.number).collect();
        let last = held.last().copied().unwrap_or(0);
        Ok(Register {
            series: series.to_string(),
            year,
            missing: (1..=last).filter(|n| !held.contains(n)).collect(),
            numbers: entries
                .into_iter()
                .map(|e| RegisterEntry {
                    number: numbering::number(series, e.number),
                    message: e.message,
                    void: e.void,
                    by: e.by,
                    at: e.at,
                })
                .collect(),
        })
    }
}

/// The label a message is held at: its portions and captions, or its
/// stated classification while its portions are unmarked.
fn held_at(msg: &Message) -> Label {
    airgram_messaging::validate::label(msg).unwrap_or_else(|| {
        let level = airgram_access::Level::parse(&msg.classification).unwrap_or(airgram_access::Level::TopSecret);
        let controls = msg
            .captions
            .iter()
            .map(|c| airgram_access::caveat(c))
            .filter(|c| airgram_access::CONTROL_CAVEATS.contains(&c.as_str()));
        Label::new(level, controls)
    })
}

/// The UTC date (`YYYY-MM-DD`) of a moment in seconds since 1970.
fn day_of(secs: i64) -> String {
    airgram_model::calendar::rfc3339(u64::try_from(secs).unwrap_or(0))[..10].to_string()
}

fn calendar_year(now: u64) -> i32 {
    airgram_model::calendar::rfc3339(now)[..4].parse().unwrap_or(1970)
}
