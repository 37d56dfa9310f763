//! What the store keeps of messages being written (issue 20): each message
//! with its state, and the register of release numbers. The rules (what
//! is valid, which state may follow which) are the messaging crate's; the
//! store makes each step atomic with its audit entry and hands out numbers
//! that are gapless and never repeated, under any concurrency.

use crate::{AuditNote, Result};
use airgram_messaging::State;

/// A message as stored.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StoredMessage {
    pub id: u64,
    pub state: State,
    /// The message as JSON (the messaging crate's `Message`).
    pub body: String,
    pub drafter: String,
    pub created: String,
    /// Its number, once released: series, counting year, number.
    pub number: Option<(String, i32, u64)>,
    /// The minute of its date-time group (seconds since 1970), once
    /// transmitted.
    pub dtg_at: Option<i64>,
}

/// One number of a series' register: taken for a message, or spoiled.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NumberEntry {
    pub number: u64,
    pub message: Option<u64>,
    /// Why the number was voided (spoiled, never sent).
    pub void: Option<String>,
    pub by: String,
    pub at: String,
}

/// Messages and their numbers.
pub trait Messages {
    /// Stores a new draft; its id.
    fn add_draft(&self, body: &str, drafter: &str, audit: &AuditNote) -> Result<u64>;
    /// Replaces the text of a message that is in one of `from` states,
    /// moving it to `to`; `Conflict` if it is in none of them.
    fn edit_message(&self, id: u64, body: &str, from: &[State], to: State, audit: &AuditNote) -> Result<()>;
    fn message(&self, id: u64) -> Result<Option<StoredMessage>>;
    /// How many messages the store holds, in any state.
    fn outgoing_count(&self) -> Result<u64>;
    /// Moves a message in one of `from` states to `to`, with its audit
    /// entry, atomically; `Conflict` if it is in none of them (another
    /// process moved it first).
    fn move_message(&self, id: u64, from: &[State], to: State, audit: &AuditNote) -> Result<()>;
    /// Releases a message in state `from`: takes the next number of
    /// `series` in `year` in the same transaction that marks it released
    /// and audits it. Numbers commit in order, with none skipped or
    /// repeated: the series' counter row is locked to the commit, and the
    /// register's key (series, year, number) is unique.
    fn release_message(&self, id: u64, from: State, series: &str, year: i32, audit: &AuditNote) -> Result<u64>;
    /// Takes the next number of `series` in `year` and records it as void,
    /// with the reason: a spoiled number is never reused, and never a gap.
    fn void_number(&self, series: &str, year: i32, reason: &str, audit: &AuditNote) -> Result<u64>;
    /// The register of `series` in `year`, in number order.
    fn register(&self, series: &str, year: i32) -> Result<Vec<NumberEntry>>;
    /// Marks a released message transmitted by `post`, with the date-time
    /// group of the first minute from `at` that no other message of
    /// `post` holds (a station never gives two messages one DTG); that
    /// minute, in seconds since 1970.
    fn transmit_message(&self, id: u64, post: &str, at: i64, audit: &AuditNote) -> Result<i64>;
}
