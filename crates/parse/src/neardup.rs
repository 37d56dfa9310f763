//! Near-duplicate transcriptions: the same paper record read by several
//! OCR engines, re-scanned, or filed again under another record number.
//!
//! A text is reduced to what OCR engines agree on: its words of three or
//! more letters, upper-cased (digits, punctuation, Markdown, line breaks
//! and short fragments differ from engine to engine and are dropped).
//! Runs of [`SHINGLE`] such words are hashed. A MinHash sketch of each
//! text, cut into bands, proposes candidate pairs without comparing every
//! pair; a candidate is linked when the exact Jaccard similarity of the
//! two shingle sets reaches the threshold. Pure functions: no I/O.

use std::collections::{BTreeSet, HashMap};

/// Words per shingle.
pub const SHINGLE: usize = 3;
/// Minima per sketch.
const HASHES: usize = 64;
/// Minima per band: two texts sharing a whole band are candidates. With
/// two, a pair at the threshold is proposed 19 times in 20.
const BAND: usize = 2;
/// The Jaccard similarity from which two texts are one record. On the
/// shared OCR set, different engines' readings of the same pages are at
/// 0.30-0.65; different records at most 0.26 (two telegrams behind the
/// same NARA identification form).
pub const THRESHOLD: f64 = 0.30;
/// Fewest shingles a text needs to be compared at all: a page of stamps
/// and a form is not evidence of sameness.
pub const MIN_SHINGLES: usize = 20;

fn mix(mut z: u64) -> u64 {
    // splitmix64's finaliser: a fixed, well-spread 64-bit mix.
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn word_hash(w: &[u8]) -> u64 {
    // FNV-1a over the upper-cased letters.
    w.iter().fold(0xcbf2_9ce4_8422_2325u64, |h, &c| {
        (h ^ u64::from(c.to_ascii_uppercase())).wrapping_mul(0x0100_0000_01b3)
    })
}

/// The text's shingles, hashed, sorted and distinct.
pub fn shingles(text: &str) -> Vec<u64> {
    let words: Vec<u64> = text
        .as_bytes()
        .split(|c| !c.is_ascii_alphabetic())
        .filter(|w| w.len() >= 3)
        .map(word_hash)
        .collect();
    let mut out: Vec<u64> = words
        .windows(SHINGLE)
        .map(|win| win.iter().fold(0u64, |acc, &w| mix(acc ^ w)))
        .collect();
    out.sort_unstable();
    out.dedup();
    out
}

/// The exact Jaccard similarity of two sorted, distinct shingle sets (0
/// when either is too short to judge).
pub fn jaccard(a: &[u64], b: &[u64]) -> f64 {
    if a.len() < MIN_SHINGLES || b.len() < MIN_SHINGLES {
        return 0.0;
    }
    let (mut i, mut j, mut both) = (0, 0, 0usize);
    while i < a.len() && j < b.len() {
        match a[i].cmp(&b[j]) {
            std::cmp::Ordering::Less => i += 1,
            std::cmp::Ordering::Greater => j += 1,
            std::cmp::Ordering::Equal => {
                both += 1;
                i += 1;
                j += 1;
            }
        }
    }
    both as f64 / (a.len() + b.len() - both) as f64
}

fn sketch(sh: &[u64]) -> Vec<u64> {
    (0..HASHES as u64)
        .map(|i| {
            let seed = i.wrapping_mul(0x9e37_79b9_7f4a_7c15);
            sh.iter().map(|&h| mix(h ^ seed)).min().unwrap_or(u64::MAX)
        })
        .collect()
}

/// Pairs `(i, j)`, `i < j`, of texts that are transcriptions of one
/// record: proposed by sketch bands, linked at exact similarity
/// `threshold` or above.
pub fn near_duplicates(texts: &[&str], threshold: f64) -> Vec<(usize, usize)> {
    let sets: Vec<Vec<u64>> = texts.iter().map(|t| shingles(t)).collect();
    let sketches: Vec<Option<Vec<u64>>> = sets
        .iter()
        .map(|s| (s.len() >= MIN_SHINGLES).then(|| sketch(s)))
        .collect();
    let mut candidates = BTreeSet::new();
    for band in 0..HASHES / BAND {
        let mut buckets: HashMap<&[u64], Vec<usize>> = HashMap::new();
        for (i, s) in sketches.iter().enumerate() {
            if let Some(s) = s {
                buckets.entry(&s[band * BAND..(band + 1) * BAND]).or_default().push(i);
            }
        }
        for ids in buckets.values().filter(|v| v.len() > 1) {
            for (x, &i) in ids.iter().enumerate() {
                for &j in &ids[x + 1..] {
                    candidates.insert((i, j));
                }
            }
        }
    }
    candidates
        .into_iter()
        .filter(|&(i, j)| jaccard(&sets[i], &sets[j]) >= threshold)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    const TEXT: &str = "Following summary rather full and fruitful PermReps plus one NAC meeting on Cuba. \
        I opened discussion by giving points on US present negotiating position, gist of outlining reasons \
        must remain on guard despite amelioration Cuban situation and need Council to keep plans up to date.";

    #[test]
    fn the_same_text_through_noise_is_near() {
        let noisy = TEXT
            .replace("Following", "Fo11owing")
            .replace("Council", "Counci1")
            .replace(". ", ".\n\n## Page 2\n\n");
        let s = jaccard(&shingles(TEXT), &shingles(&noisy));
        assert!(s >= THRESHOLD, "{s}");
        assert_eq!(jaccard(&shingles(TEXT), &shingles(TEXT)), 1.0);
    }

    #[test]
    fn different_texts_are_far_and_short_ones_are_not_judged() {
        let other = "Dutch then gave rather long official evaluation covering five points about the \
            President's letter and the assurances against an invasion which may be considered insurance \
            policy by Castro and encourage him to carry on subversive activities throughout the hemisphere.";
        assert!(jaccard(&shingles(TEXT), &shingles(other)) < THRESHOLD);
        assert_eq!(jaccard(&shingles("SECRET"), &shingles("SECRET")), 0.0);
    }

    #[test]
    fn banding_finds_the_pair_and_only_it() {
        let noisy = TEXT.replace("Cuba", "Cuha");
        let other: String = TEXT.split(' ').rev().collect::<Vec<_>>().join(" ");
        assert_eq!(near_duplicates(&[TEXT, &other, &noisy, ""], THRESHOLD), vec![(0, 2)]);
    }
}
