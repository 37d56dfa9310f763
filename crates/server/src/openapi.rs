//! The OpenAPI document, made from `API_ROUTES` (the routes the router
//! serves), the error table (`Code::for_operation`) and the bounds the
//! handlers enforce, so that a schema-valid request is one the server
//! takes, and one outside the schema is one it refuses.

use crate::{ApiRoute, Code, API_ROUTES, MAX_EXPORT, MAX_FILTER, MAX_FILTERS, MAX_GRAPH_DEPTH, MAX_PAGE, MAX_QUERY};
use airgram_query::Field;
use airgram_review::Decision;
use serde_json::{json, Value};

/// The query parameters of a route.
fn parameters(path: &str) -> Vec<Value> {
    let mut params = Vec::new();
    let id = json!({"type": "string", "minLength": 1, "maxLength": 200});
    let number = json!({"type": "integer", "format": "int64", "minimum": 1, "maximum": i64::MAX});
    for (name, schema) in [("id", &id), ("event", &number), ("referral", &number)] {
        if path.contains(&format!("{{{name}}}")) {
            params.push(json!({"name": name, "in": "path", "required": true, "schema": schema}));
        }
    }
    let query = |name: &str, schema: Value, description: &str| json!({"name": name, "in": "query", "required": false, "schema": schema, "description": description});
    if path == "/api/search" || path == "/api/export" {
        let fields = Field::NAMES.join("|");
        params.extend([
            query(
                "q",
                json!({"type": "string", "maxLength": MAX_QUERY}),
                "the search language (README); a query that does not parse, or passes a bound, is a 400 bad_query",
            ),
            query(
                "fq",
                json!({"type": "array", "maxItems": MAX_FILTERS,
                    "items": {"type": "string", "maxLength": MAX_FILTER,
                        "pattern": format!("^({fields}):.*[^\\s\"]")}}),
                "facet filters, field:value",
            ),
            query(
                "sort",
                json!({"type": "string", "enum": ["relevance", "date"]}),
                "order",
            ),
        ]);
        params.push(if path == "/api/search" {
            query(
                "page",
                json!({"type": "integer", "minimum": 1, "maximum": MAX_PAGE}),
                "page of 10",
            )
        } else {
            query(
                "limit",
                json!({"type": "integer", "minimum": 1, "maximum": MAX_EXPORT}),
                "records at most",
            )
        });
        if path == "/api/search" {
            params.push(query(
                "facets",
                json!({"type": "string", "enum": ["1", "0", "true", "false"]}),
                "with facet counts",
            ));
        }
    }
    if path.ends_with("/graph") {
        params.push(query(
            "depth",
            json!({"type": "integer", "minimum": 1, "maximum": MAX_GRAPH_DEPTH}),
            "steps from the record",
        ));
    }
    params
}

fn schemas() -> Value {
    let decisions: Vec<&str> = Decision::ALL.iter().map(|d| d.as_str()).collect();
    let strings = json!({"type": "array", "items": {"type": "string"}});
    json!({
        "Error": {"type": "object", "required": ["code", "message"],
            "properties": {"code": {"type": "string"}, "message": {"type": "string"},
                "records": {"type": "array", "description": "for code ambiguous: the records the message id names",
                    "items": {"type": "object", "properties": {"id": {"type": "string"}, "message_id": {"type": "string"},
                        "date": {"type": "string"}, "classification": {"type": "string"}, "subject": {"type": "string"}}}}}},
        "Excision": {"type": "object", "required": ["field", "start", "end", "codes"],
            "properties": {"field": {"type": "string"}, "start": {"type": "integer", "minimum": 0},
                "end": {"type": "integer", "minimum": 0}, "codes": strings}},
        "Preview": {"type": "object",
            "properties": {"excisions": {"type": "array", "items": {"$ref": "#/components/schemas/Excision"}}}},
        "Proposal": {"type": "object", "required": ["decision"],
            "properties": {
                "kind": {"type": "string", "enum": ["systematic", "foia", "mandatory", "re-review"]},
                "decision": {"type": "string", "enum": decisions},
                "level": {"type": "string", "enum": ["UNCLASSIFIED", "CONFIDENTIAL", "SECRET", "TOP SECRET"]},
                "agencies": strings, "codes": strings,
                "excisions": {"type": "array", "items": {"$ref": "#/components/schemas/Excision"}},
                "next_review": {"type": "string"}, "comment": {"type": "string"},
                "request": {"type": "string"}, "office": {"type": "string"}}},
        "Approve": {"type": "object", "required": ["password"],
            "properties": {"password": {"type": "string"}, "acknowledge": {"type": "boolean"}}},
        "Return": {"type": "object", "required": ["comment"], "properties": {"comment": {"type": "string"}}},
        "Answer": {"type": "object", "required": ["response"],
            "properties": {"response": {"type": "string"}, "comment": {"type": "string"}}},
    })
}

pub fn document() -> Value {
    let err = json!({"description": "error", "content": {"application/json": {"schema": {"$ref": "#/components/schemas/Error"}}}});
    let mut paths = serde_json::Map::new();
    for ApiRoute {
        method,
        path,
        summary,
        body,
        ..
    } in API_ROUTES
    {
        let ok = if *path == "/api/export" {
            json!({"description": "ok", "content": {"application/x-ndjson": {"schema": {"type": "string"}}}})
        } else {
            json!({"description": "ok", "content": {"application/json": {"schema": {"type": "object"}}}})
        };
        let mut responses = json!({"200": ok});
        if path.ends_with("/proposals") {
            responses["201"] =
                json!({"description": "created", "content": {"application/json": {"schema": {"type": "object"}}}});
        }
        for code in Code::for_operation(method, path) {
            let mut e = err.clone();
            e["description"] = json!(code.status().canonical_reason().unwrap_or("error"));
            responses[code.status().as_u16().to_string()] = e;
        }
        let mut op = json!({"summary": summary, "parameters": parameters(path), "responses": responses});
        if let Some(schema) = body {
            op["requestBody"] = json!({"required": true, "content": {"application/json":
                {"schema": {"$ref": format!("#/components/schemas/{schema}")}}}});
        }
        if *method == "post" {
            op["parameters"].as_array_mut().expect("a list").push(json!({
                "name": "x-csrf-token", "in": "header", "required": true,
                "description": "the browser's CSRF token (the airgram_csrf cookie)",
                "schema": {"type": "string"}}));
        }
        paths.insert(path.to_string(), json!({ *method: op }));
    }
    json!({
        "openapi": "3.0.3",
        "info": {"title": "airgram", "version": env!("CARGO_PKG_VERSION")},
        "paths": paths,
        "components": {"schemas": schemas()}
    })
}
