//! Errors as clients see them: `{code, message}` JSON. One table maps each
//! code to its HTTP status, and the code strings live only here; the
//! OpenAPI document lists, for each operation, the statuses of the codes it
//! can answer with (`Code::for_operation`).

use airgram_archive::views::{Choices, Node};
use airgram_archive::ArchiveError;
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::Json;
use serde_json::json;

/// What went wrong, as a client can act on it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Code {
    /// A parameter or body the server cannot use.
    BadRequest,
    /// A search query that does not parse or passes a bound.
    BadQuery,
    /// No live session, or a password that does not match.
    Unauthorized,
    /// A state-changing request without this browser's form token.
    Csrf,
    /// Signed in, but not allowed to do this.
    Forbidden,
    /// No such record (or one the caller may not see: the same answer).
    NotFound,
    /// A route that does not take this method.
    MethodNotAllowed,
    /// The request took longer than the server allows.
    Timeout,
    /// The action conflicts with the record's state.
    Conflict,
    /// A message id naming several visible records.
    Ambiguous,
    /// The release differs from an earlier release of the same text.
    Flagged,
    /// A body over the size limit.
    PayloadTooLarge,
    /// A body that is not JSON (or not a form) where one is required.
    UnsupportedMediaType,
    /// A JSON body of the wrong shape.
    Unprocessable,
    /// Too many failed sign-ins: wait and try again.
    TooManyRequests,
    Internal,
    /// The store cannot be reached; try again shortly.
    Unavailable,
}

/// The one table: code, its string, its status.
const TABLE: &[(Code, &str, StatusCode)] = &[
    (Code::BadRequest, "bad_request", StatusCode::BAD_REQUEST),
    (Code::BadQuery, "bad_query", StatusCode::BAD_REQUEST),
    (Code::Unauthorized, "unauthorized", StatusCode::UNAUTHORIZED),
    (Code::Csrf, "csrf", StatusCode::FORBIDDEN),
    (Code::Forbidden, "forbidden", StatusCode::FORBIDDEN),
    (Code::NotFound, "not_found", StatusCode::NOT_FOUND),
    (
        Code::MethodNotAllowed,
        "method_not_allowed",
        StatusCode::METHOD_NOT_ALLOWED,
    ),
    (Code::Timeout, "timeout", StatusCode::REQUEST_TIMEOUT),
    (Code::Conflict, "conflict", StatusCode::CONFLICT),
    (Code::Ambiguous, "ambiguous", StatusCode::CONFLICT),
    (Code::Flagged, "flagged", StatusCode::CONFLICT),
    (
        Code::PayloadTooLarge,
        "payload_too_large",
        StatusCode::PAYLOAD_TOO_LARGE,
    ),
    (
        Code::UnsupportedMediaType,
        "unsupported_media_type",
        StatusCode::UNSUPPORTED_MEDIA_TYPE,
    ),
    (Code::Unprocessable, "unprocessable", StatusCode::UNPROCESSABLE_ENTITY),
    (
        Code::TooManyRequests,
        "too_many_requests",
        StatusCode::TOO_MANY_REQUESTS,
    ),
    (Code::Internal, "internal", StatusCode::INTERNAL_SERVER_ERROR),
    (Code::Unavailable, "unavailable", StatusCode::SERVICE_UNAVAILABLE),
];

impl Code {
    /// Every code, for the test that each has its row.
    pub const ALL: [Code; 17] = [
        Code::BadRequest,
        Code::BadQuery,
        Code::Unauthorized,
        Code::Csrf,
        Code::Forbidden,
        Code::NotFound,
        Code::MethodNotAllowed,
        Code::Timeout,
        Code::Conflict,
        Code::Ambiguous,
        Code::Flagged,
        Code::PayloadTooLarge,
        Code::UnsupportedMediaType,
        Code::Unprocessable,
        Code::TooManyRequests,
        Code::Internal,
        Code::Unavailable,
    ];

    fn row(self) -> &'static (Code, &'static str, StatusCode) {
        TABLE.iter().find(|r| r.0 == self).expect("every code is in the table")
    }
    pub fn as_str(self) -> &'static str {
        self.row().1
    }
    pub fn status(self) -> StatusCode {
        self.row().2
    }

    /// The code for a status the framework answered with on its own (a
    /// rejected extractor, an unknown route, a timeout): the first row of
    /// the table with that status, else `BadRequest` for a 4xx and
    /// `Internal` for anything else.
    pub fn for_status(status: StatusCode) -> Code {
        match TABLE.iter().find(|r| r.2 == status) {
            Some(r) => r.0,
            None if status.is_client_error() => Code::BadRequest,
            None => Code::Internal,
        }
    }

    /// The codes an API operation can answer with: those every operation
    /// can meet, and those its kind of route adds. The OpenAPI document
    /// lists their statuses.
    pub fn for_operation(method: &str, path: &str) -> Vec<Code> {
        let mut codes = vec![
            Code::BadRequest,
            Code::MethodNotAllowed,
            Code::Timeout,
            Code::Internal,
            Code::Unavailable,
        ];
        if path.contains('{') {
            codes.extend([Code::NotFound, Code::Ambiguous]);
        }
        if path == "/api/search" || path == "/api/export" {
            codes.push(Code::BadQuery);
        }
        if path.starts_with("/api/review") {
            // Approval re-authenticates, and wrong passwords are throttled.
            codes.extend([
                Code::Unauthorized,
                Code::Forbidden,
                Code::NotFound,
                Code::Conflict,
                Code::TooManyRequests,
            ]);
        }
        if method == "post" {
            codes.extend([
                Code::Csrf,
                Code::PayloadTooLarge,
                Code::UnsupportedMediaType,
                Code::Unprocessable,
                Code::Flagged,
            ]);
        }
        codes.sort_by_key(|c| c.status());
        codes.dedup();
        codes
    }
}

/// An error as the API answers it; `choices` (id, message id, date,
/// classification, subject) when a message id names several records the
/// caller may see.
#[derive(Debug)]
pub struct ApiError {
    pub code: Code,
    pub message: String,
    /// For `ambiguous`: the visible records the key names, to choose from.
    pub choices: Vec<Node>,
    /// For `too_many_requests`: seconds to wait (the Retry-After header).
    pub retry_after: Option<u64>,
}

impl ApiError {
    pub fn new(code: Code, message: impl Into<String>) -> ApiError {
        ApiError {
            code,
            message: message.into(),
            choices: Vec::new(),
            retry_after: None,
        }
    }
    pub(crate) fn too_many(secs: u64, message: impl Into<String>) -> ApiError {
        ApiError {
            retry_after: Some(secs.max(1)),
            ..ApiError::new(Code::TooManyRequests, message)
        }
    }
    pub fn status(&self) -> StatusCode {
        self.code.status()
    }
    pub(crate) fn not_found() -> ApiError {
        // One message for missing and not visible: nothing to tell them apart.
        ApiError::new(Code::NotFound, airgram_archive::NOT_FOUND)
    }
    pub(crate) fn internal() -> ApiError {
        ApiError::new(Code::Internal, "internal error")
    }
    pub(crate) fn bad_request(message: impl Into<String>) -> ApiError {
        ApiError::new(Code::BadRequest, message)
    }
}

impl From<ArchiveError> for ApiError {
    fn from(e: ArchiveError) -> Self {
        match e {
            ArchiveError::NotFound(_) => ApiError::not_found(),
            ArchiveError::Query(q) => ApiError::new(Code::BadQuery, format!("bad query: {q}")),
            ArchiveError::Invalid(m) => ApiError::bad_request(m),
            ArchiveError::Forbidden(m) => ApiError::new(Code::Forbidden, m),
            ArchiveError::Conflict(m) => ApiError::new(Code::Conflict, m),
            ArchiveError::Ambiguous(key, records) => {
                let c = Choices::new(&key, records);
                ApiError {
                    choices: c.records,
                    ..ApiError::new(Code::Ambiguous, c.message)
                }
            }
            e @ ArchiveError::Flagged(_) => ApiError::new(Code::Flagged, e.to_string()),
            ArchiveError::UnknownUser(_) => ApiError::new(Code::Unauthorized, "sign in again"),
            e @ ArchiveError::Throttled(secs) => ApiError::too_many(secs, e.to_string()),
            ArchiveError::Store(airgram_archive::StoreError::Unavailable(m)) => {
                eprintln!("airgram serve: store unavailable: {m}");
                ApiError::new(
                    Code::Unavailable,
                    "the archive's database cannot be reached just now; try again shortly",
                )
            }
            other => {
                eprintln!("airgram serve: {other}");
                ApiError::internal()
            }
        }
    }
}

impl IntoResponse for ApiError {
    fn into_response(self) -> Response {
        let mut body = json!({"code": self.code.as_str(), "message": self.message});
        if !self.choices.is_empty() {
            body["records"] = json!(self.choices);
        }
        let mut r = (self.status(), Json(body)).into_response();
        self.add_retry_after(&mut r);
        r
    }
}

impl ApiError {
    /// Retry-After on a response made from this error (JSON or a page).
    pub(crate) fn add_retry_after(&self, r: &mut Response) {
        if let Some(secs) = self.retry_after {
            r.headers_mut()
                .insert(axum::http::header::RETRY_AFTER, axum::http::HeaderValue::from(secs));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_code_has_one_row_and_a_distinct_string() {
        assert_eq!(Code::ALL.len(), TABLE.len());
        for c in Code::ALL {
            assert_eq!(TABLE.iter().filter(|r| r.0 == c).count(), 1, "{c:?}");
        }
        let mut names: Vec<&str> = TABLE.iter().map(|r| r.1).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), TABLE.len());
        for r in TABLE {
            assert_eq!(TABLE.iter().filter(|x| x.0 == r.0).count(), 1, "{:?}", r.0);
            assert!(r.2.is_client_error() || r.2.is_server_error());
        }
    }

    #[test]
    fn framework_statuses_map_to_codes_of_that_status() {
        for s in [400, 401, 403, 404, 405, 408, 413, 415, 422, 429, 500, 503] {
            let s = StatusCode::from_u16(s).unwrap();
            assert_eq!(Code::for_status(s).status(), s);
        }
        assert_eq!(Code::for_status(StatusCode::IM_A_TEAPOT), Code::BadRequest);
        assert_eq!(Code::for_status(StatusCode::BAD_GATEWAY), Code::Internal);
    }
}
