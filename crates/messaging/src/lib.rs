//! Messages as a post writes them (issue 20): the draft, its parts, and the
//! rules a draft must meet before it can be cleared and released. No I/O:
//! the store keeps messages, counters and copies; the archive runs the
//! workflow; this crate says what is valid and what may happen next.
//!
//! - [`message`]: the message and its parts, in the JSON shape drafts are
//!   written in.
//! - [`marking`]: portion marks and the classification they add up to.
//! - [`captions`]: handling captions and which may go together.
//! - [`validate`]: every problem of a draft, each naming its part.
//! - [`state`]: a message's states and the actions that move it.
//! - [`numbering`]: release numbers in their series, and date-time groups.
//! - [`render`]: a released message in the airgram form and as a cable.

pub mod captions;
pub mod marking;
pub mod message;
pub mod numbering;
pub mod render;
pub mod state;
pub mod validate;

pub use message::{
    Addressee, Block, Clearance, ClearanceKind, Declassify, Message, MessageType, Paragraph, Precedence, Role,
};
pub use state::{Action, State};
pub use validate::{validate, Problem};
