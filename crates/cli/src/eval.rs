//! `airgram eval`: prints the parser's per-field figures against gold.

use airgram_parse::eval::{evaluate, Kind};
use anyhow::Context;
use std::path::Path;
use std::process::ExitCode;

#[derive(Clone, Copy, clap::ValueEnum, PartialEq, Eq)]
pub enum KindArg {
    /// FRUS text renditions: `<vol>/d<N>.txt` beside `d<N>.json`.
    Frus,
    /// FRUS TEI volumes in `GOLD_DIR/tei/`, scored against `<vol>/d<N>.json`.
    Tei,
    /// OCR transcriptions with hand-made gold.
    Ocr,
    /// OCR transcriptions scored against NARA's catalogue in
    /// `GOLD_DIR/MANIFEST.tsv` (weak gold), as `score_nara.py` scores them.
    Nara,
}

pub fn run(dir: &Path, kind: KindArg, mins: &[String], show_misses: bool) -> anyhow::Result<ExitCode> {
    let kind = match kind {
        KindArg::Frus => Kind::Frus,
        KindArg::Tei => Kind::Tei,
        KindArg::Ocr => Kind::Ocr,
        KindArg::Nara => return nara(dir, mins, show_misses),
    };
    let report = evaluate(dir, kind).map_err(|e| anyhow::anyhow!("{e}"))?;
    println!("documents {}  not parsed {}", report.documents, report.missing);
    for f in &report.fields {
        println!("  {:20} {:6.3}  (n={})", f.field, f.value, f.n);
        if show_misses {
            for m in f.misses.iter().take(40) {
                println!("      miss {m}");
            }
        }
    }
    let mut failed = Vec::new();
    for m in mins {
        let (k, v) = m.split_once('=').context("--min takes FIELD=VALUE")?;
        let bound: f64 = v.parse().context("--min value is a number")?;
        let got = report.get(k).unwrap_or(0.0);
        if got < bound {
            failed.push(format!("{k}={got:.3}<{bound}"));
        }
    }
    if failed.is_empty() {
        println!("score: {}", report.summary());
        Ok(ExitCode::SUCCESS)
    } else {
        println!("FAIL {} | score: {}", failed.join(","), report.summary());
        Ok(ExitCode::from(1))
    }
}

/// `--kind nara`: the figures and the last line of `score_nara.py`; with
/// `--misses`, each miss with the text around where the value should be.
fn nara(dir: &Path, mins: &[String], show_misses: bool) -> anyhow::Result<ExitCode> {
    let fields = airgram_parse::nara::evaluate(dir).map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut failed = Vec::new();
    let mut parts = Vec::new();
    for f in &fields {
        if show_misses {
            for m in f.misses.iter().take(40) {
                println!("  miss {}: {m}", f.name);
            }
        }
        parts.push(format!("{}={:.3} (n={})", f.name, f.value(), f.n));
    }
    for m in mins {
        let (k, v) = m.split_once('=').context("--min takes FIELD=VALUE")?;
        let bound: f64 = v.parse().context("--min value is a number")?;
        let got = fields.iter().find(|f| f.name == k).map_or(0.0, |f| f.value());
        if got < bound {
            failed.push(k.to_string());
        }
    }
    let head = if failed.is_empty() {
        "ok ".to_string()
    } else {
        format!("FAIL {} | ", failed.join(","))
    };
    println!("{head}nara: {}", parts.join(" "));
    Ok(if failed.is_empty() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}
