//! The words of a text as the index keys them: tantivy's default analyzer
//! (split on what is not alphanumeric, drop words of 40 bytes or more,
//! lower-case), made in one pass over the bytes.
//!
//! Why not the analyzer itself: it decodes every character, and ingest
//! tokenizes every body twice (words and word pairs). Scanning ASCII by
//! byte is about a quarter faster on the generated corpus. The tokens are
//! the same, to the position and offset (tested against the analyzer), so
//! an index keeps its layout whichever of the two wrote it.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};

/// Words of this many bytes or more are not indexed (as `RemoveLongFilter::limit(40)`).
const TOO_LONG: usize = 40;

#[derive(Clone, Default)]
pub struct Words {
    token: Token,
}

pub struct WordStream<'a> {
    text: &'a str,
    at: usize,
    token: &'a mut Token,
}

impl Tokenizer for Words {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        WordStream {
            text,
            at: 0,
            token: &mut self.token,
        }
    }
}

/// Whether an ASCII byte is alphanumeric, by table (the common case).
const WORD_BYTE: [bool; 128] = {
    let mut t = [false; 128];
    let mut c = 0;
    while c < 128 {
        t[c] = (c as u8).is_ascii_alphanumeric();
        c += 1;
    }
    t
};

/// The character starting at byte `i` of `s` (a boundary, not ASCII):
/// whether it is alphanumeric, and its length.
fn wide(s: &str, i: usize) -> (bool, usize) {
    let ch = s[i..].chars().next().unwrap_or(' ');
    (ch.is_alphanumeric(), ch.len_utf8())
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        let text = self.text;
        let b = text.as_bytes();
        let mut i = self.at;
        loop {
            // Skip to the next word.
            let start = loop {
                let Some(&c) = b.get(i) else {
                    self.at = i;
                    return false;
                };
                if c < 0x80 {
                    if WORD_BYTE[c as usize] {
                        break i;
                    }
                    i += 1;
                } else {
                    let (word, n) = wide(text, i);
                    if word {
                        break i;
                    }
                    i += n;
                }
            };
            let mut ascii = true;
            while let Some(&c) = b.get(i) {
                if c < 0x80 {
                    if !WORD_BYTE[c as usize] {
                        break;
                    }
                    i += 1;
                } else {
                    let (word, n) = wide(text, i);
                    if !word {
                        break;
                    }
                    ascii = false;
                    i += n;
                }
            }
            // A word too long still takes a position: the next one is not
            // adjacent to the one before (a phrase does not bridge it).
            self.token.position = self.token.position.wrapping_add(1);
            if i - start >= TOO_LONG {
                continue;
            }
            self.at = i;
            let word = &text[start..i];
            self.token.offset_from = start;
            self.token.offset_to = i;
            self.token.text.clear();
            if ascii {
                self.token.text.push_str(word);
                self.token.text.make_ascii_lowercase();
            } else {
                self.token.text.extend(word.chars().flat_map(char::to_lowercase));
            }
            return true;
        }
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use tantivy::tokenizer::TokenizerManager;

    type Tokens = Vec<(String, usize, usize, usize)>;

    fn collect(mut st: impl TokenStream) -> Tokens {
        let mut out = Vec::new();
        while st.advance() {
            let k = st.token();
            out.push((k.text.clone(), k.position, k.offset_from, k.offset_to));
        }
        out
    }

    fn all<T: Tokenizer>(t: &mut T, s: &str) -> Tokens {
        collect(t.token_stream(s))
    }

    fn analyzer(s: &str) -> Tokens {
        let mut a = TokenizerManager::default().get("default").expect("default analyzer");
        collect(a.token_stream(s))
    }

    #[test]
    fn splits_drops_long_words_and_lowercases() {
        let long = "x".repeat(40);
        let got = all(&mut Words::default(), &format!("The Berlin-Wall, {long} ÉTÉ 1961"));
        let words: Vec<(&str, usize)> = got.iter().map(|t| (t.0.as_str(), t.1)).collect();
        assert_eq!(words, [("the", 0), ("berlin", 1), ("wall", 2), ("été", 4), ("1961", 5)]);
        assert_eq!(got, analyzer(&format!("The Berlin-Wall, {long} ÉTÉ 1961")));
        assert!(all(&mut Words::default(), "").is_empty());
        assert!(all(&mut Words::default(), " ,. ").is_empty());
    }

    #[test]
    fn edge_cases_match_the_analyzer() {
        for s in [
            // Exactly 40 bytes is too long; 39 is kept, even when its
            // lower case grows (İ).
            &"a".repeat(40),
            &"a".repeat(39),
            &format!("{}İ", "a".repeat(37)),
            // Letter-numbers and other numbers are alphanumeric.
            "Ⅷ ² ½x",
            // Non-ASCII separators, an underscore, a combining mark.
            "a\u{a0}b c\u{2019}s d_e e\u{301}f",
            "ΣΑΣ ǅ ŉ 日本",
        ] {
            assert_eq!(all(&mut Words::default(), s), analyzer(s), "{s:?}");
        }
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(2000))]
        #[test]
        fn same_tokens_as_the_default_analyzer(
            s in proptest::string::string_regex(
                "([a-zA-Z0-9]{0,45}|[ .,;:'\\-\\n]{0,3}|[éÉßİıΣσςЖж日本Ⅷǅŉ²½\u{300}\u{1F600}]{0,3}){0,12}"
            ).unwrap()
        ) {
            prop_assert_eq!(all(&mut Words::default(), &s), analyzer(&s));
        }
    }
}
