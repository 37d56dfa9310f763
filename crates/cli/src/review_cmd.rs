//! `airgram review`: the declassification workflow from the command line.
//! Every action names its user (`--as`); approving asks for the password
//! again (`--password-stdin`), as the two-person rule requires.

use crate::archive_cmd::Format;
use crate::flags::{ActAs, ReadAs, RecordKey, TextOrJson};
use airgram_access::Level;
use airgram_archive::review::{self, QueueFilter};
use airgram_archive::ArchiveError;
use airgram_review::{excise, Decision, Excision, Proposal, ReviewKind};
use anyhow::{anyhow, Context};
use clap::Subcommand;
use std::io::Write;
use std::path::Path;
use std::process::ExitCode;

#[derive(Subcommand)]
pub enum ReviewCommand {
    /// Records due for review (or pending approval, or referred) that you may see.
    Queue {
        #[command(flatten)]
        who: ActAs,
        /// due, pending, referred, mine (assigned to you) or all.
        #[arg(long, default_value = "due")]
        state: String,
        /// Only originals at this level.
        #[arg(long)]
        classification: Option<String>,
        /// Only records referred to this agency.
        #[arg(long)]
        agency: Option<String>,
        #[arg(long)]
        series: Option<String>,
        #[arg(long)]
        from_year: Option<i32>,
        #[arg(long)]
        to_year: Option<i32>,
        #[arg(long, default_value_t = 20)]
        limit: usize,
        #[arg(long, default_value_t = 0)]
        offset: usize,
        #[command(flatten)]
        output: TextOrJson,
    },
    /// Assign a record to a reviewer (it shows in their `--state mine`).
    Assign {
        #[command(flatten)]
        key: RecordKey,
        #[command(flatten)]
        who: ActAs,
        /// The reviewer; omit to clear the assignment.
        #[arg(long)]
        to: Option<String>,
    },
    /// Print a field of the original with byte offsets, to choose excisions.
    Text {
        #[command(flatten)]
        key: RecordKey,
        #[command(flatten)]
        who: ActAs,
        #[arg(long, default_value = "body")]
        field: String,
    },
    /// Propose a decision; it takes effect when a second reviewer approves.
    Propose(Box<ProposeArgs>),
    /// Approve another reviewer's proposal (re-authenticates).
    Approve {
        event: u64,
        #[command(flatten)]
        who: ActAs,
        /// Read your password from standard input.
        #[arg(long)]
        password_stdin: bool,
        /// Approve although the release disagrees with another release.
        #[arg(long)]
        acknowledge: bool,
    },
    /// Send a proposal back (or withdraw your own) with a comment.
    Return {
        event: u64,
        #[command(flatten)]
        who: ActAs,
        #[arg(long)]
        comment: String,
    },
    /// Record an agency's answer to a referral: CONCUR, RELEASE, EXCISE or DENY with codes.
    Answer {
        referral: u64,
        #[command(flatten)]
        who: ActAs,
        #[arg(long)]
        response: String,
        #[arg(long, default_value = "")]
        comment: String,
    },
    /// A record's review history (the public sees the plain statement).
    History {
        #[command(flatten)]
        key: RecordKey,
        #[command(flatten)]
        who: ReadAs,
        #[command(flatten)]
        output: TextOrJson,
    },
    /// The due-date policy in effect (edit `policy.json` in the archive to change it).
    Policy,
    /// Counts by decision, exemption and reviewer; queue age; overdue referrals.
    Report {
        #[command(flatten)]
        who: ActAs,
        /// Also write a chart of releases and denials by year (SVG).
        #[arg(long)]
        svg: Option<std::path::PathBuf>,
        #[command(flatten)]
        output: TextOrJson,
    },
}

#[derive(clap::Args)]
pub struct ProposeArgs {
    #[command(flatten)]
    pub key: RecordKey,
    #[command(flatten)]
    pub who: ActAs,
    /// RELEASE, DECLASSIFY, DECLASSIFY-IN-PART, EXCISE, DENY, DOWNGRADE, REFER, NON-RESPONSIVE.
    #[arg(long)]
    pub decision: String,
    /// systematic, foia, mandatory or re-review.
    #[arg(long, default_value = "systematic")]
    pub kind: String,
    /// Exemption codes of the decision: b1,25X1,...
    #[arg(long, value_delimiter = ',')]
    pub codes: Vec<String>,
    /// FIELD:START..END:CODES, e.g. body:120..245:25X1,b1 (see `review text`).
    #[arg(long)]
    pub excise: Vec<String>,
    /// CODES=TEXT: excise every occurrence of TEXT, e.g. 'b6=Oleg Penkovsky'.
    #[arg(long)]
    pub excise_text: Vec<String>,
    /// Level of the release or downgrade (default UNCLASSIFIED).
    #[arg(long)]
    pub level: Option<String>,
    /// For REFER: agencies, comma-separated.
    #[arg(long, value_delimiter = ',')]
    pub agency: Vec<String>,
    /// Declassify-on or next-review date.
    #[arg(long)]
    pub next_review: Option<String>,
    #[arg(long, default_value = "")]
    pub comment: String,
    /// FOIA or MDR case number.
    #[arg(long)]
    pub request: Option<String>,
    #[arg(long)]
    pub office: Option<String>,
    /// Show the release it would make, and its flags, without proposing.
    #[arg(long)]
    pub dry_run: bool,
    #[command(flatten)]
    pub output: TextOrJson,
}

fn print_json(v: &impl serde::Serialize) -> anyhow::Result<ExitCode> {
    let mut out = std::io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, v)?;
    writeln!(out)?;
    Ok(ExitCode::SUCCESS)
}

/// Not found, forbidden, conflicting or flagged: said plainly, exit 1.
pub(crate) fn refused(e: ArchiveError) -> anyhow::Result<ExitCode> {
    match e {
        ArchiveError::NotFound(_)
        | ArchiveError::Forbidden(_)
        | ArchiveError::Conflict(_)
        | ArchiveError::Flagged(_)
        | ArchiveError::Ambiguous(..)
        | ArchiveError::Invalid(_)
        | ArchiveError::UnknownUser(_) => {
            eprintln!("airgram: {e}");
            Ok(ExitCode::from(1))
        }
        e => Err(e.into()),
    }
}

pub fn run(dir: &Path, cmd: ReviewCommand) -> anyhow::Result<ExitCode> {
    let a = crate::archive_cmd::open_existing(dir)?;
    match cmd {
        ReviewCommand::Queue {
            who: ActAs { user },
            state,
            classification,
            agency,
            series,
            from_year,
            to_year,
            limit,
            offset,
            output: TextOrJson { format },
        } => {
            if !["due", "pending", "referred", "mine", "all"].contains(&state.as_str()) {
                return Err(anyhow!("bad --state {state:?}: due, pending, referred, mine or all"));
            }
            let r = a.reader(Some(&user))?;
            let f = QueueFilter {
                state,
                classification: match classification {
                    Some(c) => Some(Level::parse(&c).ok_or_else(|| anyhow!("bad --classification {c:?}"))?),
                    None => None,
                },
                agency: agency.map(|x| x.to_ascii_uppercase()),
                series: series.map(|s| s.to_ascii_uppercase()),
                from_year,
                to_year,
                limit,
                offset,
            };
            let q = match a.review_queue(&r, &f) {
                Ok(q) => q,
                Err(e) => return refused(e),
            };
            if format == Format::Json {
                return print_json(&q);
            }
            println!("{} record{} in the queue", q.total, if q.total == 1 { "" } else { "s" });
            for i in &q.items {
                let overdue = match i.overdue_days {
                    Some(d) if d > 0 => format!("{} y overdue", d / 365),
                    Some(d) => format!("due in {} d", -d),
                    None => "undated".into(),
                };
                println!(
                    "{}  {:<16} {:<10} {:<22} {:<9} {}{}",
                    i.id,
                    i.message_id.as_deref().unwrap_or("-"),
                    i.date.as_deref().unwrap_or("undated"),
                    i.label,
                    i.status,
                    overdue,
                    i.pending_event.map(|e| format!("  proposal #{e}")).unwrap_or_default()
                        + &i.assignee
                            .as_deref()
                            .map(|x| format!("  assigned to {x}"))
                            .unwrap_or_default()
                );
                if let Some(s) = &i.subject {
                    println!("                  {s}");
                }
                for rf in &i.referrals {
                    println!(
                        "                  referral #{} to {} due {}{}",
                        rf.id,
                        rf.agency,
                        rf.due,
                        if rf.overdue { " OVERDUE" } else { "" }
                    );
                }
            }
            Ok(ExitCode::SUCCESS)
        }
        ReviewCommand::Assign {
            key: RecordKey { key },
            who: ActAs { user },
            to,
        } => {
            let r = a.reader(Some(&user))?;
            match a.review_assign(&r, &key, to.as_deref()) {
                Ok(()) => {
                    println!(
                        "{key}: {}",
                        to.map_or("unassigned".into(), |t| format!("assigned to {t}"))
                    );
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => refused(e),
            }
        }
        ReviewCommand::Text {
            key: RecordKey { key },
            who: ActAs { user },
            field,
        } => {
            let r = a.reader(Some(&user))?;
            let (orig, _) = match a.review_preview(&r, &key, &[]) {
                Ok(x) => x,
                Err(e) => return refused(e),
            };
            let text = excise::field_text(&orig, &field).ok_or_else(|| {
                anyhow!(
                    "field {field:?} cannot be excised (one of {})",
                    excise::FIELDS.join(", ")
                )
            })?;
            let mut at = 0;
            for line in text.split_inclusive('\n') {
                print!("{at:>6}  {line}");
                at += line.len();
            }
            if !text.ends_with('\n') {
                println!();
            }
            Ok(ExitCode::SUCCESS)
        }
        ReviewCommand::Propose(args) => {
            let ProposeArgs {
                key: RecordKey { key },
                who: ActAs { user },
                decision,
                kind,
                codes,
                excise: excisions,
                excise_text,
                level,
                agency,
                next_review,
                comment,
                request,
                office,
                dry_run,
                output: TextOrJson { format },
            } = *args;
            let r = a.reader(Some(&user))?;
            let decision = Decision::parse(&decision).ok_or_else(|| {
                anyhow!("bad --decision {decision:?}: RELEASE, DECLASSIFY, DECLASSIFY-IN-PART, EXCISE, DENY, DOWNGRADE, REFER or NON-RESPONSIVE")
            })?;
            let mut p = Proposal::new(decision);
            p.kind = ReviewKind::parse(&kind).ok_or_else(|| anyhow!("bad --kind {kind:?}"))?;
            p.codes = codes;
            p.agencies = agency;
            p.next_review = next_review;
            p.comment = comment;
            p.request = request;
            p.office = office;
            p.level = match level {
                Some(l) => Some(Level::parse(&l).ok_or_else(|| anyhow!("bad --level {l:?}"))?),
                None => None,
            };
            for e in &excisions {
                p.excisions.push(Excision::parse(e).map_err(|m| anyhow!(m))?);
            }
            if !excise_text.is_empty() {
                let (orig, _) = match a.review_preview(&r, &key, &[]) {
                    Ok(x) => x,
                    Err(e) => return refused(e),
                };
                for spec in &excise_text {
                    let (codes, text) = spec.split_once('=').ok_or_else(|| {
                        anyhow!("bad --excise-text {spec:?}: use CODES=TEXT, e.g. 'b6=Oleg Penkovsky'")
                    })?;
                    let codes: Vec<String> = codes.split(',').map(str::to_string).collect();
                    let found = excise::occurrences(&orig, text, &codes);
                    if found.is_empty() {
                        return Err(anyhow!("--excise-text: {text:?} does not occur in the record"));
                    }
                    p.excisions.extend(found);
                }
            }
            if dry_run {
                let (_, preview) = match a.review_preview(&r, &key, &p.excisions) {
                    Ok(x) => x,
                    Err(e) => return refused(e),
                };
                if format == Format::Json {
                    return print_json(&preview);
                }
                println!("{}", preview.body);
                return Ok(ExitCode::SUCCESS);
            }
            let out = match a.review_propose(&r, &key, p) {
                Ok(x) => x,
                Err(e) => return refused(e),
            };
            if format == Format::Json {
                return print_json(&out);
            }
            println!("proposal #{} on {}: awaiting a second reviewer", out.event, out.record);
            for f in &out.flags {
                println!("  FLAG {f}");
            }
            Ok(ExitCode::SUCCESS)
        }
        ReviewCommand::Approve {
            event,
            who: ActAs { user },
            password_stdin,
            acknowledge,
        } => {
            if !password_stdin {
                return Err(anyhow!(
                    "approving asks for your password again: pass it on standard input with --password-stdin"
                ));
            }
            let mut pw = String::new();
            std::io::stdin().read_line(&mut pw)?;
            let r = a.reader(Some(&user))?;
            match a.review_approve(&r, event, pw.trim_end_matches(['\n', '\r']), acknowledge) {
                Ok(ok) => {
                    println!(
                        "approved #{} on {}: {}{}",
                        ok.event,
                        ok.record,
                        ok.decision,
                        ok.published
                            .map(|l| format!(", release published at {l}"))
                            .unwrap_or_default()
                    );
                    if !ok.referrals.is_empty() {
                        println!("  referred to {}", ok.referrals.join(", "));
                    }
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => refused(e),
            }
        }
        ReviewCommand::Return {
            event,
            who: ActAs { user },
            comment,
        } => {
            let r = a.reader(Some(&user))?;
            match a.review_return(&r, event, &comment) {
                Ok(()) => {
                    println!("returned #{event}");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => refused(e),
            }
        }
        ReviewCommand::Answer {
            referral,
            who: ActAs { user },
            response,
            comment,
        } => {
            let r = a.reader(Some(&user))?;
            match a.review_answer(&r, referral, &response, &comment) {
                Ok(()) => {
                    println!("referral #{referral} answered");
                    Ok(ExitCode::SUCCESS)
                }
                Err(e) => refused(e),
            }
        }
        ReviewCommand::History {
            key: RecordKey { key },
            who: ReadAs { user },
            output: TextOrJson { format },
        } => {
            let r = a.reader(user.as_deref())?;
            let h = match a.review_history(&r, &key) {
                Ok(h) => h,
                Err(e) => return refused(e),
            };
            if format == Format::Json {
                return print_json(&h);
            }
            println!("{}", h.id);
            for i in &h.reviews {
                let what = i.what();
                println!(
                    "  {:<10} {:<9} {:<20} {}{}",
                    i.date,
                    if i.historic { "stamp" } else { i.state.as_str() },
                    what,
                    i.codes.join(", "),
                    i.office.as_deref().map(|o| format!("  ({o})")).unwrap_or_default()
                );
                if let Some(d) = &i.detail {
                    println!(
                        "             by {}{}{}",
                        d.proposer,
                        d.decider
                            .as_deref()
                            .map(|x| format!(", decided by {x}"))
                            .unwrap_or_default(),
                        if d.comment.is_empty() {
                            String::new()
                        } else {
                            format!(": {}", d.comment)
                        }
                    );
                }
            }
            for rf in &h.referrals {
                println!(
                    "  referral #{} to {} due {}: {}",
                    rf.id,
                    rf.agency,
                    rf.due,
                    rf.response
                        .as_deref()
                        .unwrap_or(if rf.overdue { "OVERDUE" } else { "open" })
                );
            }
            Ok(ExitCode::SUCCESS)
        }
        ReviewCommand::Policy => {
            let p = a.policy()?;
            print_json(&p)?;
            eprintln!("(from {})", a.dir().join("policy.json").display());
            Ok(ExitCode::SUCCESS)
        }
        ReviewCommand::Report {
            who: ActAs { user },
            svg,
            output: TextOrJson { format },
        } => {
            let r = a.reader(Some(&user))?;
            let rep = match a.review_report(&r) {
                Ok(x) => x,
                Err(e) => return refused(e),
            };
            if let Some(path) = &svg {
                std::fs::write(path, review::chart_svg(&rep)).with_context(|| format!("writing {}", path.display()))?;
            }
            if format == Format::Json {
                return print_json(&rep);
            }
            let list = |m: &std::collections::BTreeMap<String, usize>| {
                m.iter().map(|(k, v)| format!("{k} {v}")).collect::<Vec<_>>().join(", ")
            };
            println!("decisions:   {}", list(&rep.by_decision));
            println!("exemptions:  {}", list(&rep.by_exemption));
            println!("reviewers:   {}", list(&rep.by_reviewer));
            println!("queue age:   {} (years past due)", list(&rep.queue_age));
            println!("pending:     {}", rep.pending);
            println!("overdue referrals: {}", rep.overdue_referrals.len());
            for rf in &rep.overdue_referrals {
                println!("  #{} {} due {}", rf.id, rf.agency, rf.due);
            }
            if let Some(p) = svg {
                println!("chart: {}", p.display());
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}
