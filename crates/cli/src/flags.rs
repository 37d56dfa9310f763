//! Flags that several commands take, each defined once here (as ripgrep
//! keeps its flags in one place), so every command's `--help` describes
//! them in the same words.

use crate::archive_cmd::Format;
use clap::Args;

/// `--as USER` on a command that reads: whose access the answer follows.
#[derive(Args, Clone, Debug, Default)]
pub struct ReadAs {
    /// Read as this user, seeing what their clearance and authorizations
    /// allow (default: the public, who see released records only)
    #[arg(long = "as", value_name = "USER")]
    pub user: Option<String>,
}

/// `--as USER` on an action (review, messages): every action is
/// someone's, and is audited under that name.
#[derive(Args, Clone, Debug)]
pub struct ActAs {
    /// Act as this user (required: the action is recorded and audited
    /// under the name)
    #[arg(long = "as", value_name = "USER")]
    pub user: String,
}

/// `--format text|json` on a command that prints a result.
#[derive(Args, Clone, Copy)]
pub struct TextOrJson {
    /// text for people, json for programs
    #[arg(long, value_enum, default_value_t = Format::Text, value_name = "FORMAT")]
    pub format: Format,
}

/// The record a command is about.
#[derive(Args, Clone)]
pub struct RecordKey {
    /// A record id (the first 16 hex digits of its source's SHA-256) or a
    /// message id such as `POLTO A-517`
    #[arg(value_name = "RECORD")]
    pub key: String,
}
