//! `airgram message`: writing messages from the command line (issue 20).
//! Every action names its user (`--as`); release asks for the password
//! again (`--password-stdin`).

use crate::archive_cmd::Format;
use crate::flags::{ActAs, ReadAs, TextOrJson};
use crate::review_cmd::refused;
use airgram_messaging::{ClearanceKind, Message};
use anyhow::{anyhow, Context};
use clap::Subcommand;
use serde_json::json;
use std::path::{Path, PathBuf};
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum MessageCommand {
    /// Print a complete, valid draft as JSON (the shape `draft` reads).
    Example,
    /// Save a draft from a JSON file; prints its id.
    Draft {
        file: PathBuf,
        #[command(flatten)]
        who: ActAs,
        #[command(flatten)]
        output: TextOrJson,
    },
    /// Send a draft round for the clearances it lists (refused while it has problems).
    Submit {
        id: u64,
        #[command(flatten)]
        who: ActAs,
    },
    /// Give your office's clearance.
    Clear {
        id: u64,
        #[command(flatten)]
        who: ActAs,
        /// The office clearing (as listed on the draft).
        #[arg(long)]
        office: String,
        /// full, substance or info.
        #[arg(long, default_value = "full")]
        kind: String,
    },
    /// Release cleared messages (re-authenticates once); prints each one's
    /// number, in the order given.
    Release {
        #[arg(required = true)]
        ids: Vec<u64>,
        #[command(flatten)]
        who: ActAs,
        /// Read your password from standard input.
        #[arg(long)]
        password_stdin: bool,
        #[command(flatten)]
        output: TextOrJson,
    },
    /// Transmit released messages: each gets its date-time group and
    /// becomes an archive record at once.
    Transmit {
        #[arg(required = true)]
        ids: Vec<u64>,
        #[command(flatten)]
        who: ActAs,
        #[command(flatten)]
        output: TextOrJson,
    },
    /// Print a numbered message as sent: the airgram form or a cable.
    Render {
        id: u64,
        #[command(flatten)]
        reader: ReadAs,
        /// airgram (the 1960s form) or cable.
        #[arg(long, default_value = "airgram")]
        layout: String,
    },
    /// A message as you may see it, with its state, number and problems.
    Show {
        id: u64,
        #[command(flatten)]
        reader: ReadAs,
        #[command(flatten)]
        output: TextOrJson,
    },
    /// Record the next number of a series as void (spoiled), with the reason.
    Void {
        series: String,
        #[command(flatten)]
        who: ActAs,
        #[arg(long)]
        reason: String,
    },
    /// A series' register: every number this year (or `--year`), and with
    /// `--gaps` only what is missing or void (nothing, in a healthy series).
    Series {
        name: String,
        #[arg(long)]
        year: Option<i32>,
        #[arg(long)]
        gaps: bool,
        #[command(flatten)]
        output: TextOrJson,
    },
}

fn kind(k: &str) -> anyhow::Result<ClearanceKind> {
    serde_json::from_value(json!(k.to_ascii_lowercase()))
        .map_err(|_| anyhow!("bad clearance kind {k:?}: full, substance or info"))
}

pub fn run(dir: &Path, cmd: MessageCommand) -> anyhow::Result<ExitCode> {
    if let MessageCommand::Example = cmd {
        println!("{}", serde_json::to_string_pretty(&Message::example())?);
        return Ok(ExitCode::SUCCESS);
    }
    let a = crate::archive_cmd::open_existing(dir)?;
    match cmd {
        MessageCommand::Example => unreachable!("printed above"),
        MessageCommand::Draft {
            file,
            who: ActAs { user },
            output: TextOrJson { format },
        } => {
            let text = std::fs::read_to_string(&file).with_context(|| format!("{}", file.display()))?;
            let msg: Message =
                serde_json::from_str(&text).map_err(|e| anyhow!("{}:{}: {e}", file.display(), e.line()))?;
            let r = a.reader(Some(&user))?;
            match a.draft_message(&r, &msg) {
                Ok(id) if format == Format::Json => {
                    println!("{}", json!({ "id": id }));
                    Ok(ExitCode::SUCCESS)
                }
                Ok(id) => {
                    println!("{id}");
                    for p in airgram_messaging::validate(&msg) {
                        eprintln!("  to fix before clearance: {}: {}", p.part, p.message);
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => refused(e),
            }
        }
        MessageCommand::Submit {
            id,
            who: ActAs { user },
        } => {
            let r = a.reader(Some(&user))?;
            match a.submit_message(&r, id) {
                Ok(s) => {
                    println!("message {id}: {}", s.word());
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => refused(e),
            }
        }
        MessageCommand::Clear {
            id,
            who: ActAs { user },
            office,
            kind: k,
        } => {
            let r = a.reader(Some(&user))?;
            match a.clear_message(&r, id, &office, kind(&k)?) {
                Ok(s) => {
                    println!("message {id}: cleared by {office}; {}", s.word());
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => refused(e),
            }
        }
        MessageCommand::Release {
            ids,
            who: ActAs { user },
            password_stdin,
            output: TextOrJson { format },
        } => {
            if !password_stdin {
                return Err(anyhow!(
                    "releasing asks for your password again: pass it on standard input with --password-stdin"
                ));
            }
            let mut pw = String::new();
            std::io::stdin().read_line(&mut pw)?;
            let r = a.reader(Some(&user))?;
            let results = match a.release_messages(&r, &ids, pw.trim_end_matches(['\n', '\r'])) {
                Ok(x) => x,
                Err(e) => return refused(e),
            };
            let mut failed = false;
            for (id, res) in ids.iter().zip(results) {
                match res {
                    Ok(number) if format == Format::Json => println!("{}", json!({ "id": id, "number": number })),
                    Ok(number) => println!("{number}"),
                    Err(e) => {
                        failed = true;
                        eprintln!("airgram: message {id}: {e}");
                    }
                }
            }
            Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        MessageCommand::Transmit {
            ids,
            who: ActAs { user },
            output: TextOrJson { format },
        } => {
            let r = a.reader(Some(&user))?;
            let mut failed = false;
            for id in ids {
                match a.transmit_message(&r, id) {
                    Ok(t) if format == Format::Json => println!("{}", serde_json::to_string(&t)?),
                    Ok(t) => println!("{} {} record {}", t.number, t.dtg, t.record),
                    Err(e) => {
                        failed = true;
                        eprintln!("airgram: message {id}: {e}");
                    }
                }
            }
            Ok(if failed { ExitCode::from(1) } else { ExitCode::SUCCESS })
        }
        MessageCommand::Render {
            id,
            reader: ReadAs { user },
            layout,
        } => {
            let cable = match layout.as_str() {
                "airgram" => false,
                "cable" => true,
                other => return Err(anyhow!("bad layout {other:?}: airgram or cable")),
            };
            let r = a.reader(user.as_deref())?;
            match a.render_message(&r, id, cable) {
                Ok(text) => {
                    print!("{text}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => refused(e),
            }
        }
        MessageCommand::Show {
            id,
            reader: ReadAs { user },
            output: TextOrJson { format },
        } => {
            let r = a.reader(user.as_deref())?;
            let v = match a.show_message(&r, id) {
                Ok(v) => v,
                Err(e) => return refused(e),
            };
            if format == Format::Json {
                println!("{}", serde_json::to_string_pretty(&v)?);
                return Ok(ExitCode::SUCCESS);
            }
            println!(
                "message {}  {}  {}  {}",
                v.id,
                v.state,
                v.number.as_deref().unwrap_or("(unnumbered)"),
                v.label
            );
            println!("  subject: {}", v.message.subject);
            println!("  drafted by {} ({})", v.drafter, v.created);
            for c in &v.message.clearances {
                println!(
                    "  clearance {}: {}",
                    c.office,
                    c.name
                        .as_deref()
                        .map_or("awaited".into(), |n| format!("{n} {}", c.date.as_deref().unwrap_or("")))
                );
            }
            for p in &v.problems {
                println!("  to fix: {}: {}", p.part, p.message);
            }
            Ok(ExitCode::SUCCESS)
        }
        MessageCommand::Void {
            series,
            who: ActAs { user },
            reason,
        } => {
            let r = a.reader(Some(&user))?;
            match a.void_number(&r, &series, &reason) {
                Ok(n) => {
                    println!("{n} void: {reason}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => refused(e),
            }
        }
        MessageCommand::Series {
            name,
            year,
            gaps,
            output: TextOrJson { format },
        } => {
            let mut reg = a.register(&name, year)?;
            if gaps {
                reg.numbers.retain(|e| e.void.is_some());
            }
            if format == Format::Json {
                println!("{}", serde_json::to_string_pretty(&reg)?);
                return Ok(ExitCode::SUCCESS);
            }
            for e in &reg.numbers {
                match (&e.message, &e.void) {
                    (_, Some(why)) => println!("{}  void: {why}  ({}, {})", e.number, e.by, e.at),
                    (Some(m), None) => println!("{}  message {m}  ({}, {})", e.number, e.by, e.at),
                    (None, None) => println!("{}  ({}, {})", e.number, e.by, e.at),
                }
            }
            for n in &reg.missing {
                println!("{}  MISSING", airgram_messaging::numbering::number(&name, *n));
            }
            Ok(if gaps && !reg.missing.is_empty() {
                ExitCode::from(1)
            } else {
                ExitCode::SUCCESS
            })
        }
    }
}
