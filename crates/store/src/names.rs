//! The store's closed sets of words: a review event's state, a record's
//! review status, a user's role. Each is an enum in the code and its word
//! in the database, as one definition: the word is written and read back
//! by both backends (a word the code does not know reads as `Corrupt`),
//! and the JSON and pages show the same word.

/// Defines an enum whose variants are stored as the given words.
macro_rules! named {
    ($(#[$meta:meta])* pub enum $name:ident { $($(#[$vmeta:meta])* $variant:ident = $word:literal,)+ }) => {
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
        pub enum $name {
            $($(#[$vmeta])* $variant,)+
        }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant,)+];

            /// The stored and shown word.
            pub fn as_str(self) -> &'static str {
                match self {
                    $($name::$variant => $word,)+
                }
            }

            pub fn parse(word: &str) -> Option<$name> {
                match word {
                    $($word => Some($name::$variant),)+
                    _ => None,
                }
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl serde::Serialize for $name {
            fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
                s.serialize_str(self.as_str())
            }
        }

        impl rusqlite::ToSql for $name {
            fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
                Ok(self.as_str().into())
            }
        }

        impl rusqlite::types::FromSql for $name {
            fn column_result(v: rusqlite::types::ValueRef<'_>) -> rusqlite::types::FromSqlResult<Self> {
                let word = v.as_str()?;
                $name::parse(word).ok_or_else(|| {
                    rusqlite::types::FromSqlError::Other(format!("{} {word:?}", stringify!($name)).into())
                })
            }
        }

        impl postgres::types::ToSql for $name {
            fn to_sql(
                &self,
                ty: &postgres::types::Type,
                out: &mut postgres::types::private::BytesMut,
            ) -> std::result::Result<postgres::types::IsNull, Box<dyn std::error::Error + Sync + Send>> {
                self.as_str().to_sql(ty, out)
            }

            fn accepts(ty: &postgres::types::Type) -> bool {
                <&str as postgres::types::ToSql>::accepts(ty)
            }

            postgres::types::to_sql_checked!();
        }

        impl<'a> postgres::types::FromSql<'a> for $name {
            fn from_sql(
                ty: &postgres::types::Type,
                raw: &'a [u8],
            ) -> std::result::Result<Self, Box<dyn std::error::Error + Sync + Send>> {
                let word = <&str as postgres::types::FromSql>::from_sql(ty, raw)?;
                $name::parse(word).ok_or_else(|| format!("{} {word:?}", stringify!($name)).into())
            }

            fn accepts(ty: &postgres::types::Type) -> bool {
                <&str as postgres::types::FromSql>::accepts(ty)
            }
        }
    };
}

named! {
    /// Where a review event stands.
    pub enum EventState {
        /// A review stamp on the document itself, derived at ingest.
        Historic = "historic",
        /// Awaiting a second reviewer.
        Proposed = "proposed",
        Approved = "approved",
        Returned = "returned",
    }
}

named! {
    /// A record's review status, as the queue shows it.
    pub enum Status {
        Open = "open",
        /// A proposal awaits approval.
        Pending = "pending",
        /// Referred to other agencies, awaiting their answers.
        Referred = "referred",
        Released = "released",
        /// Released in part (excisions).
        Partial = "partial",
        Withheld = "withheld",
        Downgraded = "downgraded",
    }
}

named! {
    /// What a user may do beyond reading.
    pub enum Role {
        Reader = "reader",
        Reviewer = "reviewer",
        Archivist = "archivist",
        Admin = "admin",
        /// Writes messages at a post.
        Drafter = "drafter",
        /// Releases (approves and numbers) a post's messages.
        Releaser = "releaser",
    }
}

impl Role {
    /// Whether the role may propose and approve review decisions.
    pub fn reviews(self) -> bool {
        matches!(self, Role::Reviewer | Role::Archivist | Role::Admin)
    }

    /// Whether the role may release messages.
    pub fn releases(self) -> bool {
        matches!(self, Role::Releaser | Role::Admin)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_word_reads_back_as_its_variant() {
        for s in EventState::ALL {
            assert_eq!(EventState::parse(s.as_str()), Some(*s));
        }
        for s in Status::ALL {
            assert_eq!(Status::parse(&s.to_string()), Some(*s));
        }
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(*r));
        }
        assert_eq!(Role::parse("Reviewer"), None, "words are exact");
        assert_eq!(serde_json::to_string(&Status::Partial).unwrap(), "\"partial\"");
    }
}
