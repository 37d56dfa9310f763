//! A message's life (5 FAH-1 H-210/240): drafted, cleared, released (when
//! it takes its number), transmitted, delivered and acknowledged. Only an
//! unsent draft may be deleted or edited; a sent message never changes,
//! except by a corrected copy under the same number, and is cancelled or
//! superseded only by a new numbered message from its originator.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum State {
    Draft,
    /// Sent round the offices whose clearance it needs.
    InClearance,
    /// Every clearance is in.
    Cleared,
    /// Approved for sending and numbered.
    Released,
    Transmitted,
    Delivered,
    Acknowledged,
    /// Withdrawn by a later numbered message.
    Cancelled,
    /// Replaced by a later numbered message.
    Superseded,
    /// An unsent draft thrown away.
    Deleted,
}

/// What may be done to a message.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    Edit,
    /// Send round for clearance.
    Submit,
    /// The last required clearance given.
    ClearLast,
    Release,
    Transmit,
    Deliver,
    Acknowledge,
    /// A corrected copy: same number, next revision, to every recipient.
    Correct,
    Cancel,
    Supersede,
    Delete,
}

impl State {
    /// Whether the message has left the post (and so never changes).
    pub fn sent(self) -> bool {
        matches!(
            self,
            State::Transmitted | State::Delivered | State::Acknowledged | State::Cancelled | State::Superseded
        )
    }

    /// Whether it holds a number.
    pub fn numbered(self) -> bool {
        self.sent() || self == State::Released
    }

    /// The state `action` leads to, or why it may not be done now.
    pub fn next(self, action: Action) -> Result<State, String> {
        use Action as A;
        use State as S;
        let to = match (self, action) {
            // Editing a draft in clearance sends it back: the clearances
            // given were for other words.
            (S::Draft | S::InClearance | S::Cleared, A::Edit) => S::Draft,
            (S::Draft, A::Submit) => S::InClearance,
            (S::InClearance, A::ClearLast) => S::Cleared,
            (S::Cleared, A::Release) => S::Released,
            (S::Released, A::Transmit) => S::Transmitted,
            (S::Transmitted, A::Deliver) => S::Delivered,
            (S::Delivered, A::Acknowledge) => S::Acknowledged,
            (S::Transmitted | S::Delivered | S::Acknowledged, A::Correct) => self,
            (S::Released | S::Transmitted | S::Delivered | S::Acknowledged, A::Cancel) => S::Cancelled,
            (S::Released | S::Transmitted | S::Delivered | S::Acknowledged, A::Supersede) => S::Superseded,
            (S::Draft | S::InClearance | S::Cleared, A::Delete) => S::Deleted,
            (s, A::Edit | A::Delete) if s.numbered() => {
                return Err(format!(
                    "a {} message is numbered and never changes: send a corrected copy, or cancel or supersede it by a new message",
                    s.word()
                ))
            }
            (s, a) => return Err(format!("a {} message cannot be {}", s.word(), a.done())),
        };
        Ok(to)
    }

    pub const ALL: [State; 10] = [
        State::Draft,
        State::InClearance,
        State::Cleared,
        State::Released,
        State::Transmitted,
        State::Delivered,
        State::Acknowledged,
        State::Cancelled,
        State::Superseded,
        State::Deleted,
    ];

    /// The state named by its word (as [`State::word`] writes it).
    pub fn parse(word: &str) -> Option<State> {
        State::ALL.into_iter().find(|s| s.word() == word)
    }

    /// The state in words.
    pub fn word(self) -> &'static str {
        match self {
            State::Draft => "draft",
            State::InClearance => "in-clearance",
            State::Cleared => "cleared",
            State::Released => "released",
            State::Transmitted => "transmitted",
            State::Delivered => "delivered",
            State::Acknowledged => "acknowledged",
            State::Cancelled => "cancelled",
            State::Superseded => "superseded",
            State::Deleted => "deleted",
        }
    }
}

impl Action {
    fn done(self) -> &'static str {
        match self {
            Action::Edit => "edited",
            Action::Submit => "sent for clearance",
            Action::ClearLast => "cleared",
            Action::Release => "released",
            Action::Transmit => "transmitted",
            Action::Deliver => "delivered",
            Action::Acknowledge => "acknowledged",
            Action::Correct => "corrected",
            Action::Cancel => "cancelled",
            Action::Supersede => "superseded",
            Action::Delete => "deleted",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    const ACTIONS: [Action; 11] = [
        Action::Edit,
        Action::Submit,
        Action::ClearLast,
        Action::Release,
        Action::Transmit,
        Action::Deliver,
        Action::Acknowledge,
        Action::Correct,
        Action::Cancel,
        Action::Supersede,
        Action::Delete,
    ];

    #[test]
    fn every_state_reads_back_from_its_word() {
        for s in State::ALL {
            assert_eq!(State::parse(s.word()), Some(s));
        }
        assert_eq!(State::parse("Draft"), None);
    }

    #[test]
    fn the_ordinary_life_of_a_message() {
        let mut s = State::Draft;
        for a in [
            Action::Submit,
            Action::ClearLast,
            Action::Release,
            Action::Transmit,
            Action::Deliver,
            Action::Acknowledge,
        ] {
            s = s.next(a).unwrap();
        }
        assert_eq!(s, State::Acknowledged);
    }

    #[test]
    fn a_sent_message_is_not_edited_or_deleted() {
        let e = State::Transmitted.next(Action::Edit).unwrap_err();
        assert!(e.contains("corrected copy"), "{e}");
        assert!(State::Released.next(Action::Delete).is_err());
        assert_eq!(State::Cleared.next(Action::Edit), Ok(State::Draft));
        assert!(State::Draft
            .next(Action::Release)
            .unwrap_err()
            .contains("cannot be released"));
    }

    proptest! {
        /// Whatever is tried, in any order: a number once taken is never
        /// lost (a numbered message stays numbered), nothing leaves a
        /// deleted message, and only unnumbered drafts are deleted.
        #[test]
        fn numbers_are_never_taken_back(actions in proptest::collection::vec(0..ACTIONS.len(), 0..40)) {
            let mut s = State::Draft;
            for i in actions {
                let before = s;
                if let Ok(next) = s.next(ACTIONS[i]) {
                    prop_assert!(!before.numbered() || next.numbered(), "{before:?} -> {next:?}");
                    prop_assert!(before != State::Deleted);
                    prop_assert!(next != State::Deleted || !before.numbered());
                    s = next;
                }
            }
        }
    }
}
