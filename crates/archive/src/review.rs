//! The review workflow on top of the archive: the queue, proposals, the
//! second reviewer's approval (with re-authentication), referrals, and the
//! history each reader may see.
//!
//! Access: a reviewer acts only on records whose original they may see;
//! anything else answers exactly like a missing record. The public sees a
//! record's history only as dates, offices, decisions and codes of settled
//! reviews, never comments, names or excised text. Every action is audited.

use crate::{fail_point, Archive, ArchiveError, Result};
use airgram_access::{audited, choose_version, Label, Level, Reader, VersionKind};
use airgram_model::Record;
use airgram_review::{codes, consistency, excise, policy, Decision, Effect, Excision, Policy, Proposal};
use airgram_store::{
    AuditNote, EventRow, EventState, NewVersion, QueueQuery, Role, Settle, Status, StoreError, Version,
};
use serde::Serialize;
use std::collections::BTreeMap;

/// Told for a proposal that does not exist or that the caller may not see.
pub const NO_SUCH_EVENT: &str = "no such review event";

/// Which part of the queue to list.
#[derive(Debug, Clone, Default)]
pub struct QueueFilter {
    /// `due` (default), `pending`, `referred`, `mine` (assigned to me) or `all`.
    pub state: String,
    /// Only originals at this level.
    pub classification: Option<Level>,
    /// Only records referred to this agency.
    pub agency: Option<String>,
    pub series: Option<String>,
    pub from_year: Option<i32>,
    pub to_year: Option<i32>,
    pub limit: usize,
    pub offset: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct QueueItem {
    pub id: String,
    pub message_id: Option<String>,
    pub subject: Option<String>,
    pub date: Option<String>,
    pub label: String,
    pub status: Status,
    /// When it fell (or falls) due.
    pub due: Option<String>,
    /// Days past due (negative: not yet due).
    pub overdue_days: Option<i64>,
    /// The open proposal, if any.
    pub pending_event: Option<u64>,
    pub assignee: Option<String>,
    pub referrals: Vec<ReferralView>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Queue {
    pub total: usize,
    pub items: Vec<QueueItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct ReferralView {
    pub id: u64,
    pub agency: String,
    pub sent: String,
    pub due: String,
    pub overdue: bool,
    pub answered: Option<String>,
    pub response: Option<String>,
}

/// A review as one reader may see it.
#[derive(Debug, Clone, Serialize)]
pub struct HistoryItem {
    /// The event id (for reviewers; absent from the public statement).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub event: Option<u64>,
    pub date: String,
    pub historic: bool,
    pub state: EventState,
    pub decision: Option<String>,
    /// Stamp boxes, for historic reviews.
    pub actions: Vec<String>,
    pub codes: Vec<String>,
    pub office: Option<String>,
    pub kind: Option<String>,
    /// Reviewer detail: who, comments, excisions, agencies.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<ReviewDetail>,
}

impl HistoryItem {
    /// What was decided: the decision, or a stamp's ticked boxes.
    pub fn what(&self) -> String {
        match (&self.decision, self.actions.is_empty()) {
            (Some(d), _) => d.clone(),
            (None, true) => "reviewed".into(),
            (None, false) => self.actions.join(", "),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ReviewDetail {
    pub proposer: String,
    pub decider: Option<String>,
    pub comment: String,
    pub note: String,
    pub level: Option<Level>,
    pub agencies: Vec<String>,
    pub excisions: Vec<Excision>,
    pub next_review: Option<String>,
    pub request: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct History {
    pub id: String,
    /// True when the reader sees reviewer detail.
    pub full: bool,
    pub reviews: Vec<HistoryItem>,
    pub referrals: Vec<ReferralView>,
    pub status: Option<Status>,
    pub next_review: Option<String>,
}

/// What a proposal produced: its event, the release it would publish, and
/// any disagreement with other releases of the same text.
#[derive(Debug, Clone, Serialize)]
pub struct Proposed {
    pub event: u64,
    pub record: String,
    pub preview: Option<Record>,
    pub flags: Vec<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Approved {
    pub event: u64,
    pub record: String,
    pub decision: Decision,
    /// The label of the release published, if one was.
    pub published: Option<String>,
    pub referrals: Vec<String>,
    pub flags_acknowledged: Vec<String>,
}

#[derive(Debug, Clone, Default, Serialize)]
pub struct Report {
    pub by_decision: BTreeMap<String, usize>,
    pub by_exemption: BTreeMap<String, usize>,
    pub by_reviewer: BTreeMap<String, usize>,
    /// Due records by years past due: `<1`, `1-5`, `5-10`, `10+`, `undated`.
    pub queue_age: BTreeMap<String, usize>,
    pub pending: usize,
    pub overdue_referrals: Vec<ReferralView>,
    /// Year -> (releases in full or in part, denials): decisions only (historic stamps are not counted).
    pub by_year: BTreeMap<String, (usize, usize)>,
}

fn event_proposal(e: &EventRow) -> Option<Proposal> {
    serde_json::from_str(&e.body).ok()
}

fn referral_view(r: &airgram_store::Referral, today: &str) -> ReferralView {
    ReferralView {
        id: r.id,
        agency: r.agency.clone(),
        sent: r.sent.get(..10).unwrap_or(&r.sent).to_string(),
        due: r.due.clone(),
        overdue: r.answered.is_none() && r.due.as_str() < today,
        answered: r.answered.as_ref().map(|a| a.get(..10).unwrap_or(a).to_string()),
        response: r.response.clone(),
    }
}

/// Everything a release shows, for comparing releases.
fn shown_text(r: &Record) -> String {
    excise::FIELDS
        .iter()
        .filter_map(|f| excise::field_text(r, f))
        .collect::<Vec<_>>()
        .join("\n")
}

impl Archive {
    /// The review policy: `policy.json` in the archive, else EO 13526 defaults.
    pub fn policy(&self) -> Result<Policy> {
        let path = self.dir.join("policy.json");
        match std::fs::read(&path) {
            Ok(b) => serde_json::from_slice(&b)
                .map_err(|e| ArchiveError::Invalid(format!("{}:{}: {e}", path.display(), e.line()))),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => Ok(Policy::default()),
            Err(e) => Err(ArchiveError::Io(path, e)),
        }
    }

    /// A signed-in user who may review: the reader and their name.
    fn reviewer(&self, reader: &Reader) -> Result<String> {
        let name = reader
            .name
            .clone()
            .ok_or_else(|| ArchiveError::Forbidden("review needs a signed-in reviewer".into()))?;
        match self.store.user(&name)? {
            Some(u) if !u.disabled && u.role.reviews() => Ok(name),
            Some(u) if !u.disabled => Err(ArchiveError::Forbidden(format!(
                "{name} is a {}; review needs one of {}",
                u.role,
                Role::ALL
                    .iter()
                    .filter(|r| r.reviews())
                    .map(|r| r.as_str())
                    .collect::<Vec<_>>()
                    .join(", ")
            ))),
            _ => Err(ArchiveError::UnknownUser(name)),
        }
    }

    /// The original version of a record, if `reader` may see it: reviewers
    /// work on originals only.
    fn original_for(&self, reader: &Reader, key: &str) -> Result<(Version, Vec<Version>)> {
        let v = self
            .resolve(reader, key)?
            .ok_or_else(|| ArchiveError::NotFound(key.to_string()))?;
        let all = self.store.versions(&v.record_id)?;
        let orig = all
            .iter()
            .find(|x| x.kind == VersionKind::Original && reader.may_see(&x.label))
            .cloned()
            .ok_or_else(|| ArchiveError::NotFound(key.to_string()))?;
        Ok((orig, all))
    }

    /// Labels of originals `reader` may see: the queue's SQL lists and
    /// counts only these.
    fn visible_original_labels(&self, reader: &Reader) -> Result<Vec<String>> {
        Ok(self
            .store
            .dossier_labels()?
            .iter()
            .filter(|l| reader.may_see(l))
            .map(|l| l.to_string())
            .collect())
    }

    /// Assigns a record to a reviewer who may see its original (or, with
    /// `None`, clears the assignment).
    pub fn review_assign(&self, reader: &Reader, key: &str, assignee: Option<&str>) -> Result<()> {
        let who = self.reviewer(reader)?;
        let (orig, _) = self.original_for(reader, key)?;
        if let Some(a) = assignee {
            let r = self.reader(Some(a))?;
            self.reviewer(&r)?;
            if !r.may_see(&orig.label) {
                return Err(ArchiveError::Invalid(format!("{a} may not see this record")));
            }
        }
        self.store.assign(&orig.record_id, assignee)?;
        self.store
            .audit(&who, "review.assign", &orig.record_id, assignee.unwrap_or("-"), "ok")?;
        Ok(())
    }

    /// Who a record is assigned to, for a reviewer who may see its original.
    pub fn review_assignee(&self, reader: &Reader, key: &str) -> Result<Option<String>> {
        self.reviewer(reader)?;
        let (orig, _) = self.original_for(reader, key)?;
        Ok(self.store.dossier(&orig.record_id)?.and_then(|d| d.assignee))
    }

    /// The queue as `reader` may see it: only records whose original they
    /// may see are listed or counted.
    pub fn review_queue(&self, reader: &Reader, f: &QueueFilter) -> Result<Queue> {
        self.reviewer(reader)?;
        let policy = self.policy()?;
        let today = policy::today();
        let q = QueueQuery {
            state: f.state.clone(),
            cutoff: policy.cutoff(&today).unwrap_or_default(),
            today: today.clone(),
            labels: self.visible_original_labels(reader)?,
            level: f.classification,
            series: f.series.clone(),
            from_year: f.from_year,
            to_year: f.to_year,
            agency: f.agency.clone(),
            assignee: reader.name.clone(),
        };
        let limit = if f.limit == 0 { 50 } else { f.limit };
        let (total, page) = self.store.queue_page(&q, f.offset, limit)?;
        let mut items = Vec::new();
        for d in page {
            let versions = self.store.versions(&d.record_id)?;
            let r = versions.first().map(|v| &v.record);
            let due = d
                .next_review
                .clone()
                .or_else(|| d.origin.as_deref().and_then(|o| policy.due(o)));
            let pending_event = self
                .store
                .events_of(&d.record_id)?
                .iter()
                .find(|e| e.state == EventState::Proposed)
                .map(|e| e.id);
            items.push(QueueItem {
                id: d.record_id.clone(),
                message_id: d.message_id.clone(),
                subject: r.and_then(|r| r.subject.clone()),
                date: r.and_then(|r| r.date.clone()),
                label: d.label.to_string(),
                status: d.status,
                overdue_days: due.as_deref().and_then(|x| policy::days_between(x, &today)),
                due,
                pending_event,
                assignee: d.assignee.clone(),
                referrals: self
                    .store
                    .referrals(Some(&d.record_id))?
                    .iter()
                    .map(|x| referral_view(x, &today))
                    .collect(),
            });
        }
        // The queue shows subjects of classified originals: a read.
        let listed: Vec<&str> = items.iter().map(|i| i.id.as_str()).collect();
        if !listed.is_empty() {
            let who = reader.name.clone().unwrap_or_default();
            self.store
                .audit(&who, "review.queue", &listed.join(","), &f.state, "ok")?;
        }
        Ok(Queue { total, items })
    }

    /// The release `excisions` would make of the record (for the preview
    /// beside the original).
    pub fn review_preview(&self, reader: &Reader, key: &str, excisions: &[Excision]) -> Result<(Record, Record)> {
        let who = self.reviewer(reader)?;
        let (orig, _) = self.original_for(reader, key)?;
        // The reviewer reads the original: audited like any classified read.
        if audited(&orig.label) {
            self.store
                .audit(&who, "review.read", &orig.record_id, &orig.label.to_string(), "ok")?;
        }
        let mut es = excisions.to_vec();
        for e in &mut es {
            e.codes = codes::canonical_all(&e.codes).map_err(ArchiveError::Invalid)?;
        }
        let preview = excise::apply(&orig.record, &es).map_err(|e| ArchiveError::Invalid(e.0))?;
        Ok((orig.record, preview))
    }

    /// The release a settled proposal publishes, if any.
    fn release_of(orig: &Version, p: &Proposal) -> Result<Option<NewVersion>> {
        let level = p.level.unwrap_or(Level::Unclassified);
        // A downgrade keeps the dissemination controls; a release to the
        // public (UNCLASSIFIED) carries none.
        let label = if level == Level::Unclassified {
            Label::unclassified()
        } else {
            Label::new(level, orig.label.caveats.iter().cloned())
        };
        Ok(match p.decision.effect() {
            Effect::Full => Some(NewVersion {
                kind: VersionKind::Released,
                label,
                record: orig.record.clone(),
            }),
            Effect::Excised => Some(NewVersion {
                kind: VersionKind::Redacted,
                label,
                record: excise::apply(&orig.record, &p.excisions).map_err(|e| ArchiveError::Invalid(e.0))?,
            }),
            Effect::Refer | Effect::Nothing => None,
        })
    }

    /// Other releases of the same record and of duplicate texts that
    /// `reader` may see, with what they excised.
    fn other_releases(&self, reader: &Reader, orig: &Version) -> Result<Vec<consistency::Release>> {
        let mut ids = vec![orig.record_id.clone()];
        let fp = airgram_store::fingerprint(&orig.record.body);
        for id in self.store.duplicates(&fp)? {
            if !ids.contains(&id) {
                ids.push(id);
            }
        }
        if let Some(m) = &orig.record.message_id {
            for id in self.store.records_with_message(m)? {
                if !ids.contains(&id) {
                    ids.push(id);
                }
            }
        }
        let mut out = Vec::new();
        for id in ids {
            let versions = self.store.versions(&id)?;
            // Only records whose original this reviewer may see: a flag
            // must not tell of a record above their access.
            if !versions
                .iter()
                .any(|v| v.kind == VersionKind::Original && reader.may_see(&v.label))
            {
                continue;
            }
            // Excisions of approved reviews, oldest first, pair with the
            // redacted versions in the order they were published.
            let mut excised: Vec<Vec<String>> = self
                .store
                .events_of(&id)?
                .iter()
                .filter(|e| e.state == EventState::Approved)
                .filter_map(event_proposal)
                .filter(|p| p.decision.effect() == Effect::Excised)
                .map(|p| p.excisions.into_iter().map(|e| e.text).collect())
                .collect();
            excised.reverse();
            for v in versions.iter().filter(|v| v.kind != VersionKind::Original) {
                let ex = if v.kind == VersionKind::Redacted {
                    excised.pop().unwrap_or_default()
                } else {
                    vec![]
                };
                out.push(consistency::Release {
                    name: format!("{} release of record {} ({})", v.kind_name(), id, v.label),
                    text: shown_text(&v.record),
                    excised: ex,
                });
            }
        }
        Ok(out)
    }

    fn flags_for(&self, reader: &Reader, orig: &Version, p: &Proposal) -> Result<Vec<String>> {
        let Some(release) = Self::release_of(orig, p)? else {
            return Ok(vec![]);
        };
        let excised: Vec<String> = p.excisions.iter().map(|e| e.text.clone()).collect();
        let others = self.other_releases(reader, orig)?;
        Ok(consistency::check(&shown_text(&release.record), &excised, &others))
    }

    /// Proposes a decision on a record. It takes effect when a second
    /// reviewer approves it.
    pub fn review_propose(&self, reader: &Reader, key: &str, p: Proposal) -> Result<Proposed> {
        let who = self.reviewer(reader)?;
        let (orig, _) = self.original_for(reader, key)?;
        let mut p = p.normalise(orig.label.level).map_err(ArchiveError::Invalid)?;
        excise::resolve(&orig.record, &mut p.excisions).map_err(|e| ArchiveError::Invalid(e.0))?;
        let preview = Self::release_of(&orig, &p)?.map(|v| v.record);
        let flags = self.flags_for(reader, &orig, &p)?;
        let body = serde_json::to_string(&p).expect("proposals serialise");
        let note = AuditNote::new(
            &who,
            "review.propose",
            &orig.record_id,
            &format!("{} {}", p.decision, p.all_codes().join(",")),
        );
        let event = match self.store.propose(&orig.record_id, &who, &body, &note) {
            Ok(id) => id,
            Err(StoreError::Conflict(m)) => {
                self.store
                    .audit(&who, "review.propose", &orig.record_id, p.decision.as_str(), "conflict")?;
                return Err(ArchiveError::Conflict(m));
            }
            Err(e) => return Err(e.into()),
        };
        Ok(Proposed {
            event,
            record: orig.record_id,
            preview,
            flags,
        })
    }

    /// An open or settled event of a record whose original `reader` may see.
    fn visible_event(&self, reader: &Reader, event: u64) -> Result<(EventRow, Version)> {
        let not_found = || ArchiveError::NotFound(format!("review event {event}"));
        // Event numbers are the store's 63-bit row ids: a larger one names
        // nothing (and SQLite cannot bind it).
        if i64::try_from(event).is_err() {
            return Err(not_found());
        }
        let e = self.store.event(event)?.ok_or_else(not_found)?;
        let orig = self
            .store
            .versions(&e.record_id)?
            .into_iter()
            .find(|v| v.kind == VersionKind::Original && reader.may_see(&v.label))
            .ok_or_else(not_found)?;
        Ok((e, orig))
    }

    /// The record of a review event the reviewer may see (for pages).
    pub fn review_event_record(&self, reader: &Reader, event: u64) -> Result<String> {
        self.reviewer(reader)?;
        Ok(self.visible_event(reader, event)?.0.record_id)
    }

    /// The record of a referral the reviewer may see (for pages).
    pub fn review_referral_record(&self, reader: &Reader, referral: u64) -> Result<String> {
        self.reviewer(reader)?;
        Ok(self.visible_referral(reader, referral)?.record_id)
    }

    /// A referral of a record whose original `reader` may see; any other
    /// answers like a missing one.
    fn visible_referral(&self, reader: &Reader, referral: u64) -> Result<airgram_store::Referral> {
        let not_found = || ArchiveError::NotFound(format!("referral {referral}"));
        if i64::try_from(referral).is_err() {
            return Err(not_found());
        }
        let r = self.store.referral(referral)?.ok_or_else(not_found)?;
        self.visible_event(reader, r.event_id).map_err(|_| not_found())?;
        Ok(r)
    }

    /// Re-authenticates a user (approving a release asks for the password
    /// again, whatever the session).
    /// A wrong password counts against the name's sign-in throttle, so a
    /// stolen session cannot be used to guess it.
    pub fn verify_password(&self, name: &str, password: &str) -> Result<bool> {
        let now = crate::auth::now();
        let ok = self.sign_in_begin(name, now)?.matches(password);
        if !ok {
            self.record_sign_in_failure(name, now)?;
            self.store.audit(name, "reauth", name, "", "denied")?;
        }
        Ok(ok)
    }

    /// Approves a proposal: the second reviewer, re-authenticated. A
    /// release is published (store and index) and the decision settles.
    pub fn review_approve(&self, reader: &Reader, event: u64, password: &str, acknowledge: bool) -> Result<Approved> {
        let who = self.reviewer(reader)?;
        if !self.verify_password(&who, password)? {
            return Err(ArchiveError::Forbidden(
                "re-authentication failed: wrong password".into(),
            ));
        }
        let (e, orig) = self.visible_event(reader, event)?;
        if e.state != EventState::Proposed {
            return Err(ArchiveError::Conflict(format!(
                "review event {event} is already {}",
                e.state
            )));
        }
        if e.actor == who {
            self.store.audit(
                &who,
                "review.approve",
                &format!("{}#{event}", e.record_id),
                "own proposal",
                "denied",
            )?;
            return Err(ArchiveError::Forbidden(
                "a proposal is approved by a second reviewer, not its proposer".into(),
            ));
        }
        let p = event_proposal(&e).ok_or_else(|| ArchiveError::Invalid(format!("event {event} is unreadable")))?;
        let today = policy::today();
        let open_referrals: Vec<String> = self
            .store
            .referrals(Some(&e.record_id))?
            .into_iter()
            .filter(|r| r.answered.is_none())
            .map(|r| r.agency)
            .collect();
        if matches!(p.decision.effect(), Effect::Full | Effect::Excised) && !open_referrals.is_empty() {
            return Err(ArchiveError::Conflict(format!(
                "the record awaits referrals to {}; it cannot be released before they answer",
                open_referrals.join(", ")
            )));
        }
        let flags = self.flags_for(reader, &orig, &p)?;
        if !flags.is_empty() && !acknowledge {
            return Err(ArchiveError::Flagged(flags));
        }
        let policy = self.policy()?;
        let dossier = self.store.dossier(&e.record_id)?;
        let origin = dossier.as_ref().and_then(|d| d.origin.clone());
        let next = |p: &Proposal| {
            Some(policy.next_review(origin.as_deref(), &p.all_codes(), p.next_review.as_deref(), &today))
        };
        let (status, next_review) = match p.decision {
            Decision::Release | Decision::Declassify => (Status::Released, None),
            Decision::Downgrade => (Status::Downgraded, next(&p)),
            Decision::DeclassifyInPart | Decision::Excise => (Status::Partial, next(&p)),
            Decision::Deny => (Status::Withheld, next(&p)),
            Decision::Refer => (Status::Referred, None),
            Decision::NonResponsive => (Status::Open, dossier.as_ref().and_then(|d| d.next_review.clone())),
        };
        let release = Self::release_of(&orig, &p)?;
        let referrals: Vec<(String, String)> = if p.decision == Decision::Refer {
            let due = policy.referral_due(&today);
            p.agencies.iter().map(|a| (a.clone(), due.clone())).collect()
        } else {
            vec![]
        };
        let published = release.as_ref().map(|v| v.label.to_string());
        let settled = self.store.settle(&Settle {
            event_id: event,
            state: EventState::Approved,
            decider: who.clone(),
            note: if acknowledge && !flags.is_empty() {
                format!("acknowledged: {}", flags.join("; "))
            } else {
                String::new()
            },
            publish: release,
            status,
            next_review,
            referrals: referrals.clone(),
            audit: AuditNote::new(
                &who,
                "review.approve",
                &format!("{}#{event}", e.record_id),
                &format!("{} {}", p.decision, published.as_deref().unwrap_or("")),
            ),
        })?;
        if !settled {
            return Err(ArchiveError::Conflict(format!(
                "review event {event} was settled by someone else"
            )));
        }
        // The decision is committed, audited and in the change log. The
        // index follows the log; if that fails now, the next catch-up (a
        // server's follower, the next open) applies it, and the reviewer is
        // not told that a decision which stands failed.
        let followed =
            fail_point("approve.before_replay", event).and_then(|()| self.catch_up(std::time::Duration::from_secs(5)));
        if let Err(err) = followed {
            eprintln!(
                "airgram: review event {event} is approved; the index will take its release when it next catches up ({err})"
            );
        }
        Ok(Approved {
            event,
            record: e.record_id,
            decision: p.decision,
            published,
            referrals: referrals.into_iter().map(|(a, _)| a).collect(),
            flags_acknowledged: if acknowledge { flags } else { vec![] },
        })
    }

    /// Sends a proposal back (or withdraws it) with a comment.
    pub fn review_return(&self, reader: &Reader, event: u64, comment: &str) -> Result<()> {
        let who = self.reviewer(reader)?;
        let (e, _) = self.visible_event(reader, event)?;
        if e.state != EventState::Proposed {
            return Err(ArchiveError::Conflict(format!(
                "review event {event} is already {}",
                e.state
            )));
        }
        let d = self.store.dossier(&e.record_id)?;
        let settled = self.store.settle(&Settle {
            event_id: event,
            state: EventState::Returned,
            decider: who.clone(),
            note: comment.to_string(),
            publish: None,
            status: Status::Open,
            next_review: d.and_then(|d| d.next_review),
            referrals: vec![],
            audit: AuditNote::new(&who, "review.return", &format!("{}#{event}", e.record_id), comment),
        })?;
        if !settled {
            return Err(ArchiveError::Conflict(format!(
                "review event {event} was settled by someone else"
            )));
        }
        Ok(())
    }

    /// Records an agency's answer to a referral.
    pub fn review_answer(&self, reader: &Reader, referral: u64, response: &str, comment: &str) -> Result<()> {
        let who = self.reviewer(reader)?;
        let r = self.visible_referral(reader, referral)?;
        let response = response.trim();
        let (word, rest) = response.split_once(' ').unwrap_or((response, ""));
        let word = word.to_ascii_uppercase();
        if !["CONCUR", "RELEASE", "EXCISE", "DENY"].contains(&word.as_str()) {
            return Err(ArchiveError::Invalid(format!(
                "a referral answer is CONCUR, RELEASE, EXCISE or DENY (with codes), not {response:?}"
            )));
        }
        let codes = codes::canonical_all(&rest.split([',', ' ']).collect::<Vec<_>>()).map_err(ArchiveError::Invalid)?;
        let answer = if codes.is_empty() {
            word
        } else {
            format!("{word} {}", codes.join(", "))
        };
        let note = AuditNote::new(&who, "review.answer", &format!("{}@{}", r.record_id, r.agency), &answer);
        if !self.store.answer_referral(referral, &who, &answer, comment, &note)? {
            return Err(ArchiveError::Conflict(format!(
                "referral {referral} is already answered"
            )));
        }
        Ok(())
    }

    /// The review history of a record, as `reader` may see it.
    pub fn review_history(&self, reader: &Reader, key: &str) -> Result<History> {
        let v = self
            .resolve(reader, key)?
            .ok_or_else(|| ArchiveError::NotFound(key.to_string()))?;
        let all = self.store.versions(&v.record_id)?;
        // Reviewer detail goes with the original: a reader who gets only a
        // release gets the plain statement.
        let full = choose_version(reader, &all).is_some_and(|x| x.kind == VersionKind::Original);
        let today = policy::today();
        let mut reviews = Vec::new();
        for e in self.store.events_of(&v.record_id)? {
            if e.state == EventState::Historic {
                let st: airgram_model::Review = serde_json::from_str(&e.body).unwrap_or_default();
                reviews.push(HistoryItem {
                    event: None,
                    date: st.date.clone().unwrap_or_default(),
                    historic: true,
                    state: EventState::Historic,
                    decision: None,
                    actions: st.actions.clone(),
                    codes: st.exemptions.clone(),
                    office: st.office.clone(),
                    kind: None,
                    detail: None,
                });
                continue;
            }
            if !full && e.state != EventState::Approved {
                continue;
            }
            let Some(p) = event_proposal(&e) else { continue };
            reviews.push(HistoryItem {
                event: full.then_some(e.id),
                date: e
                    .decided
                    .clone()
                    .unwrap_or(e.created.clone())
                    .get(..10)
                    .unwrap_or("")
                    .to_string(),
                historic: false,
                state: e.state,
                decision: Some(p.decision.to_string()),
                actions: vec![],
                codes: p.all_codes(),
                office: p.office.clone(),
                kind: Some(p.kind.as_str().to_string()),
                detail: full.then(|| ReviewDetail {
                    proposer: e.actor.clone(),
                    decider: e.decider.clone(),
                    comment: p.comment.clone(),
                    note: e.note.clone(),
                    level: p.level,
                    agencies: p.agencies.clone(),
                    excisions: p.excisions.clone(),
                    next_review: p.next_review.clone(),
                    request: p.request.clone(),
                }),
            });
        }
        let d = self.store.dossier(&v.record_id)?;
        let referrals = if full {
            self.store
                .referrals(Some(&v.record_id))?
                .iter()
                .map(|r| referral_view(r, &today))
                .collect()
        } else {
            vec![]
        };
        if full && audited(&v.label) {
            self.audit_read(reader, "review.history", &v.record_id, &v.label.to_string())?;
        }
        Ok(History {
            id: v.record_id,
            full,
            reviews,
            referrals,
            status: full.then(|| d.as_ref().map(|d| d.status)).flatten(),
            next_review: full.then(|| d.and_then(|d| d.next_review)).flatten(),
        })
    }

    /// Counts over the reviews of records whose original `reader` may see.
    pub fn review_report(&self, reader: &Reader) -> Result<Report> {
        self.reviewer(reader)?;
        let mut rep = Report::default();
        for (e, label) in self.store.all_events(true)? {
            if !reader.may_see(&label) {
                continue;
            }
            // Historic stamps are not decisions of this archive: the chart
            // counts what the tables count, decisions.
            if e.state == EventState::Historic {
                continue;
            }
            let Some(p) = event_proposal(&e) else { continue };
            if e.state == EventState::Proposed {
                rep.pending += 1;
                continue;
            }
            if e.state != EventState::Approved {
                continue;
            }
            *rep.by_decision.entry(p.decision.to_string()).or_default() += 1;
            for c in p.all_codes() {
                *rep.by_exemption.entry(c).or_default() += 1;
            }
            *rep.by_reviewer.entry(e.actor.clone()).or_default() += 1;
            if let Some(d) = &e.decider {
                if d != &e.actor {
                    *rep.by_reviewer.entry(d.clone()).or_default() += 1;
                }
            }
            let year = e.decided.as_deref().and_then(|d| d.get(..4)).unwrap_or("").to_string();
            let y = rep.by_year.entry(year).or_default();
            match p.decision.effect() {
                Effect::Full | Effect::Excised => y.0 += 1,
                _ if p.decision == Decision::Deny => y.1 += 1,
                _ => {}
            }
        }
        let policy = self.policy()?;
        let today = policy::today();
        let q = QueueQuery {
            state: "due".into(),
            cutoff: policy.cutoff(&today).unwrap_or_default(),
            today: today.clone(),
            labels: self.visible_original_labels(reader)?,
            ..Default::default()
        };
        let mut offset = 0;
        loop {
            let (_, page) = self.store.queue_page(&q, offset, 1_000)?;
            if page.is_empty() {
                break;
            }
            offset += page.len();
            for d in page {
                let due = d
                    .next_review
                    .clone()
                    .or_else(|| d.origin.as_deref().and_then(|o| policy.due(o)));
                let days = due.as_deref().and_then(|x| policy::days_between(x, &today));
                let bucket = match days.map(|d| d / 365) {
                    None => "undated",
                    Some(..1) => "<1",
                    Some(1..5) => "1-5",
                    Some(5..10) => "5-10",
                    Some(_) => "10+",
                };
                *rep.queue_age.entry(bucket.to_string()).or_default() += 1;
            }
        }
        for r in self.store.referrals(None)? {
            let v = referral_view(&r, &today);
            if !v.overdue {
                continue;
            }
            let visible = self
                .store
                .dossier(&r.record_id)?
                .is_some_and(|d| reader.may_see(&d.label));
            if visible {
                rep.overdue_referrals.push(v);
            }
        }
        Ok(rep)
    }
}

/// Names a record's version kind for flags and pages.
trait KindName {
    fn kind_name(&self) -> &'static str;
}

impl KindName for Version {
    fn kind_name(&self) -> &'static str {
        match self.kind {
            VersionKind::Original => "original",
            VersionKind::Released => "full",
            VersionKind::Redacted => "redacted",
        }
    }
}

/// Releases and denials by year as an SVG bar chart (for the report page
/// and `review report --svg`).
pub fn chart_svg(rep: &Report) -> String {
    // A date axis: every year from the first to the last, empty ones too.
    let counted: BTreeMap<i32, (usize, usize)> = rep
        .by_year
        .iter()
        .filter_map(|(y, n)| Some((y.parse::<i32>().ok().filter(|y| (1..=9999).contains(y))?, *n)))
        .collect();
    let years: Vec<(String, (usize, usize))> = match (counted.keys().next(), counted.keys().next_back()) {
        (Some(&a), Some(&b)) => (a..=b)
            .map(|y| (y.to_string(), counted.get(&y).copied().unwrap_or_default()))
            .collect(),
        _ => Vec::new(),
    };
    let max = years.iter().map(|(_, (r, d))| (*r).max(*d)).max().unwrap_or(0).max(1);
    let (bar, gap, h) = (10usize, 8usize, 120usize);
    let w = (years.len() * (2 * bar + gap)).max(200) + 40;
    let mut s = format!(
        "<svg xmlns=\"http://www.w3.org/2000/svg\" role=\"img\" aria-label=\"Releases and denials by year\" \
         width=\"{w}\" height=\"{}\" viewBox=\"0 0 {w} {}\" font-family=\"sans-serif\" font-size=\"9\">",
        h + 50,
        h + 50
    );
    s.push_str(
        "<rect x=\"30\" y=\"4\" width=\"9\" height=\"9\" fill=\"#2f6f3e\"/><text x=\"42\" y=\"12\">released (in full or part)</text>\
         <rect x=\"170\" y=\"4\" width=\"9\" height=\"9\" fill=\"#a33\"/><text x=\"182\" y=\"12\">denied</text>",
    );
    for (i, (year, (rel, den))) in years.iter().enumerate() {
        let x = 30 + i * (2 * bar + gap);
        for (j, (n, color)) in [(rel, "#2f6f3e"), (den, "#a33")].into_iter().enumerate() {
            let bh = n * h / max;
            s.push_str(&format!(
                "<rect x=\"{}\" y=\"{}\" width=\"{bar}\" height=\"{bh}\" fill=\"{color}\"><title>{year}: {n}</title></rect>",
                x + j * bar,
                20 + h - bh
            ));
        }
        s.push_str(&format!(
            "<text x=\"{}\" y=\"{}\" text-anchor=\"middle\">{year}</text>",
            x + bar,
            h + 34
        ));
    }
    s.push_str(&format!(
        "<line x1=\"28\" y1=\"{}\" x2=\"{}\" y2=\"{}\" stroke=\"#555\"/><text x=\"2\" y=\"26\">{max}</text></svg>",
        20 + h,
        w - 6,
        20 + h
    ));
    s
}
