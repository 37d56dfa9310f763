//! What readers are shown: serialisable views built only from versions the
//! reader may see. Their JSON names are a public contract.

use airgram_index::SearchResult;
use airgram_model::Record;
use airgram_store::Version;
use serde::Serialize;
use serde_json::json;

/// A version as listed to a reader. Sequence numbers are not shown: they
/// would count versions the reader may not see.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct VersionInfo {
    pub kind: airgram_access::VersionKind,
    pub label: String,
}

/// A link to another record.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Link {
    pub id: String,
    pub message_id: Option<String>,
}

impl Link {
    pub fn of(v: &Version) -> Link {
        Link {
            id: v.record_id.clone(),
            message_id: v.record.message_id.clone(),
        }
    }
}

/// `show`: the record's parse fields plus `id`, `label`, `versions` and
/// `cited_by`.
#[derive(Debug, Clone, Serialize)]
pub struct RecordView {
    pub id: String,
    pub label: String,
    /// The kind of the version shown.
    pub version: airgram_access::VersionKind,
    pub versions: Vec<VersionInfo>,
    pub cited_by: Vec<Link>,
    #[serde(flatten)]
    pub record: Record,
}

impl RecordView {
    pub fn new(v: &Version, visible: &[&Version], cited_by: Vec<Link>) -> RecordView {
        RecordView {
            id: v.record_id.clone(),
            label: v.label.to_string(),
            version: v.kind,
            versions: visible
                .iter()
                .map(|x| VersionInfo {
                    kind: x.kind,
                    label: x.label.to_string(),
                })
                .collect(),
            cited_by,
            record: v.record.clone(),
        }
    }
}

/// What a reader gets, as JSON, for a key naming several records they may
/// see: the API's error body and `show`/`graph --format json` alike.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Choices {
    pub code: &'static str,
    pub message: String,
    pub records: Vec<Node>,
}

impl Choices {
    pub fn new(key: &str, records: Vec<Node>) -> Choices {
        Choices {
            code: "ambiguous",
            message: format!("{key} names several records; choose one by its id"),
            records,
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Node {
    pub id: String,
    pub message_id: Option<String>,
    pub date: Option<String>,
    pub classification: Option<String>,
    pub subject: Option<String>,
}

impl Node {
    pub fn of(v: &Version) -> Node {
        Node {
            id: v.record_id.clone(),
            message_id: v.record.message_id.clone(),
            date: v.record.date.clone(),
            classification: v.record.classification.map(|c| c.to_string()),
            subject: v.record.subject.clone(),
        }
    }
}

#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Edge {
    pub from: String,
    pub to: String,
    pub cite: String,
}

/// A cite that leads to no record the reader may see.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, PartialOrd, Ord)]
pub struct Unresolved {
    pub from: String,
    pub cite: String,
}

#[derive(Debug, Clone, Default, Serialize, PartialEq, Eq)]
pub struct Graph {
    pub root: String,
    pub nodes: Vec<Node>,
    pub edges: Vec<Edge>,
    pub unresolved: Vec<Unresolved>,
}

impl Graph {
    /// Graphviz DOT.
    pub fn to_dot(&self) -> String {
        let esc = |s: &str| s.replace('\\', "\\\\").replace('"', "\\\"");
        let mut out = String::from("digraph cites {\n  rankdir=LR;\n  node [shape=box, fontname=\"Helvetica\"];\n");
        for n in &self.nodes {
            let label = format!(
                "{}\\n{}",
                esc(n.message_id.as_deref().unwrap_or(&n.id)),
                esc(n.date.as_deref().unwrap_or(""))
            );
            let style = if n.id == self.root { ", style=bold" } else { "" };
            out.push_str(&format!("  \"{}\" [label=\"{label}\"{style}];\n", esc(&n.id)));
        }
        for e in &self.edges {
            out.push_str(&format!("  \"{}\" -> \"{}\";\n", esc(&e.from), esc(&e.to)));
        }
        for u in &self.unresolved {
            let uid = format!("unresolved:{}", u.cite);
            out.push_str(&format!(
                "  \"{}\" [label=\"{}\\n(unresolved)\", style=dashed];\n  \"{}\" -> \"{}\" [style=dashed];\n",
                esc(&uid),
                esc(&u.cite),
                esc(&u.from),
                esc(&uid)
            ));
        }
        out.push_str("}\n");
        out
    }

    /// Indented text, one line per node and link.
    pub fn to_text(&self) -> String {
        let name = |id: &str| {
            self.nodes
                .iter()
                .find(|n| n.id == id)
                .map(|n| {
                    format!(
                        "{} {} ({})",
                        n.message_id.as_deref().unwrap_or("-"),
                        n.date.as_deref().unwrap_or("-"),
                        n.id
                    )
                })
                .unwrap_or_else(|| id.to_string())
        };
        let mut out = format!("{}\n", name(&self.root));
        for e in &self.edges {
            out.push_str(&format!("  {} -> {}  [{}]\n", name(&e.from), name(&e.to), e.cite));
        }
        for u in &self.unresolved {
            out.push_str(&format!("  {} -> {} (unresolved)\n", name(&u.from), u.cite));
        }
        out
    }
}

/// The public JSON shape of a search result:
/// `{"total", "hits": [{"id", "message_id", "date", "doc_type",
/// "classification", "from", "to", "subject", "snippet"}], "facets"}`.
pub fn search_json(res: &SearchResult) -> serde_json::Value {
    let hits: Vec<_> = res
        .hits
        .iter()
        .map(|h| {
            json!({
                "id": h.id,
                "message_id": h.message_id,
                "date": h.date,
                "doc_type": h.doc_type,
                "classification": h.classification,
                "from": h.from,
                "to": h.to,
                "subject": h.subject,
                "snippet": h.snippet,
            })
        })
        .collect();
    let facets: serde_json::Map<String, serde_json::Value> = res
        .facets
        .iter()
        .map(|(k, vs)| {
            (
                k.clone(),
                json!(vs
                    .iter()
                    .map(|(v, n)| json!({"value": v, "count": n}))
                    .collect::<Vec<_>>()),
            )
        })
        .collect();
    json!({"total": res.total, "hits": hits, "facets": facets})
}
