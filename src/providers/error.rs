//! The one error type every provider maps its failures to, and the shape
//! of each provider's table from an error answer to that error
//! ([`ErrorTable`]).

use std::ops::RangeInclusive;
use std::time::Duration;

/// What kind of failure happened, in terms a user can act on.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum ApiErrorKind {
    /// The token was refused (401, or Sesterce's 403).
    BadCredentials,
    /// The token is valid but may not do this (a real 403).
    Forbidden,
    /// The project, organization or key does not exist (or, for Terraform,
    /// the token may not see it).
    NotFound,
    /// The provider refused the request's content (400/422), with field messages.
    Validation,
    /// The object already exists or changed meanwhile (409).
    Conflict,
    /// Too many requests (429); `retry_after` says how long to wait.
    RateLimited,
    /// The provider failed (5xx).
    Server,
    /// The request took longer than the timeout.
    Timeout,
    /// The request never reached the provider or its answer never arrived.
    Network,
    /// The provider answered with something that is not what its API returns.
    MalformedResponse,
    /// Any other unexpected HTTP status.
    UnexpectedStatus,
    /// The input was refused locally before anything was sent.
    InvalidInput,
    /// No token is stored or set for the account.
    MissingToken,
    /// The OS keyring could not be used.
    Keyring,
}

/// One field the provider (or local validation) complained about.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FieldError {
    /// The field's name as the API spells it.
    pub field: String,
    /// What is wrong with it.
    pub messages: Vec<String>,
}

/// A failure of a provider call, with a message to show the user.
///
/// Never holds a secret: provider bodies are shortened and scrubbed before
/// they are stored in `details`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApiError {
    /// The class of failure.
    pub kind: ApiErrorKind,
    /// One sentence for the toast.
    pub message: String,
    /// The HTTP status, when there was a response.
    pub status: Option<u16>,
    /// Field messages from a validation error.
    pub fields: Vec<FieldError>,
    /// How long the provider asked us to wait.
    pub retry_after: Option<Duration>,
    /// A short, scrubbed excerpt of the raw body, for the details view.
    pub details: Option<String>,
}

impl ApiError {
    /// An error of `kind` with a user-facing message.
    pub fn new(kind: ApiErrorKind, message: impl Into<String>) -> Self {
        Self {
            kind,
            message: message.into(),
            status: None,
            fields: Vec::new(),
            retry_after: None,
            details: None,
        }
    }

    /// Input refused locally before sending.
    pub fn invalid_input(message: impl Into<String>) -> Self {
        Self::new(ApiErrorKind::InvalidInput, message)
    }

    /// Input refused locally before sending, with `reason` also as the
    /// message of `field` (so a dialog shows it under that field).
    pub fn invalid_field(field: &str, reason: String) -> Self {
        Self::invalid_input(reason.clone()).with_fields(vec![FieldError {
            field: field.into(),
            messages: vec![reason],
        }])
    }

    /// Sets the HTTP status.
    pub fn with_status(mut self, status: u16) -> Self {
        self.status = Some(status);
        self
    }

    /// Sets the details excerpt.
    pub fn with_details(mut self, details: impl Into<String>) -> Self {
        self.details = Some(details.into());
        self
    }

    /// Sets the field messages.
    pub fn with_fields(mut self, fields: Vec<FieldError>) -> Self {
        self.fields = fields;
        self
    }

    /// Sets the wait the provider asked for.
    pub fn with_retry_after(mut self, wait: Option<Duration>) -> Self {
        self.retry_after = wait;
        self
    }

    /// Whether an idempotent request may be sent again after this error.
    pub fn is_retryable(&self) -> bool {
        matches!(
            self.kind,
            ApiErrorKind::RateLimited
                | ApiErrorKind::Server
                | ApiErrorKind::Timeout
                | ApiErrorKind::Network
        )
    }

    /// Whether the request may have reached the provider although no answer
    /// came back (so a create may have happened).
    pub fn answer_lost(&self) -> bool {
        matches!(self.kind, ApiErrorKind::Timeout | ApiErrorKind::Network) && self.status.is_none()
    }

    /// After a create: when its answer was lost, says the key may exist
    /// anyway, so the user refreshes before sending it again (creates are
    /// never retried).
    pub fn noting_a_possible_create(mut self) -> Self {
        if self.answer_lost() {
            self.message.push_str(
                " The key may have been added anyway: refresh the list before trying again.",
            );
        }
        self
    }

    /// The message plus every field message, for the details view.
    pub fn full_text(&self) -> String {
        let mut text = self.message.clone();
        for field in &self.fields {
            text.push_str(&format!(
                "\n• {}: {}",
                field.field,
                field.messages.join("; ")
            ));
        }
        if let Some(status) = self.status {
            text.push_str(&format!("\nHTTP status: {status}"));
        }
        if let Some(details) = &self.details {
            text.push_str("\nResponse: ");
            text.push_str(details);
        }
        text
    }
}

impl std::fmt::Display for ApiError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.message)?;
        for field in &self.fields {
            write!(f, " {}: {}.", field.field, field.messages.join("; "))?;
        }
        Ok(())
    }
}

impl std::error::Error for ApiError {}

/// One row of a provider's error table: the answers it covers and the
/// error they become.
pub struct ErrorRule<A: 'static> {
    /// The HTTP statuses the row covers (unused in a table's fallback).
    pub statuses: &'static [RangeInclusive<u16>],
    /// What the row also needs of the answer beyond its status (the
    /// provider's error code or message, the operation), if anything.
    pub when: Option<fn(&A) -> bool>,
    /// The class of failure.
    pub kind: ApiErrorKind,
    /// The message for the user, built from the (already redacted) answer.
    pub wording: fn(&A) -> String,
}

impl<A> ErrorRule<A> {
    /// Whether the row covers an answer with `status`.
    fn covers(&self, status: u16, answer: &A) -> bool {
        self.statuses.iter().any(|range| range.contains(&status))
            && self.when.is_none_or(|when| when(answer))
    }
}

/// A provider's table from an error answer (its status, plus what the
/// provider read from it: `A`) to an [`ApiError`]: the first row that
/// covers the answer wins, else the fallback. Wording lives in the rows,
/// so a provider's error mapping reads as a list rather than a `match`.
pub struct ErrorTable<A: 'static> {
    /// The rows, in order.
    pub rules: &'static [ErrorRule<A>],
    /// What any other answer becomes.
    pub fallback: ErrorRule<A>,
}

impl<A> ErrorTable<A> {
    /// The index of the first row covering the answer; `None` means the
    /// fallback. (Tests use it to see that every row can be reached.)
    pub fn row(&self, status: u16, answer: &A) -> Option<usize> {
        self.rules
            .iter()
            .position(|rule| rule.covers(status, answer))
    }

    /// The error for an answer with `status`, with that status set.
    pub fn error(&self, status: u16, answer: &A) -> ApiError {
        let rule = self
            .row(status, answer)
            .map_or(&self.fallback, |index| &self.rules[index]);
        ApiError::new(rule.kind, (rule.wording)(answer)).with_status(status)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Said(&'static str);

    static TABLE: ErrorTable<Said> = ErrorTable {
        rules: &[
            ErrorRule {
                statuses: &[404..=404],
                when: Some(|said| said.0.contains("api key")),
                kind: ApiErrorKind::BadCredentials,
                wording: |said| format!("key: {}", said.0),
            },
            ErrorRule {
                statuses: &[400..=400, 404..=404, 500..=599],
                when: None,
                kind: ApiErrorKind::NotFound,
                wording: |_| "second".into(),
            },
        ],
        fallback: ErrorRule {
            statuses: &[],
            when: None,
            kind: ApiErrorKind::UnexpectedStatus,
            wording: |said| format!("other: {}", said.0),
        },
    };

    #[test]
    fn first_covering_row_wins_else_the_fallback() {
        assert_eq!(TABLE.row(404, &Said("bad api key")), Some(0));
        assert_eq!(TABLE.row(404, &Said("gone")), Some(1));
        assert_eq!(TABLE.row(400, &Said("api key")), Some(1), "status first");
        assert_eq!(TABLE.row(503, &Said("")), Some(1), "inside a range");
        assert_eq!(TABLE.row(600, &Said("")), None);
        assert_eq!(TABLE.row(401, &Said("api key")), None);
        let err = TABLE.error(404, &Said("bad api key"));
        assert_eq!(
            (err.kind, err.message.as_str(), err.status),
            (ApiErrorKind::BadCredentials, "key: bad api key", Some(404))
        );
        let err = TABLE.error(418, &Said("teapot"));
        assert_eq!(
            (err.kind, err.message.as_str()),
            (ApiErrorKind::UnexpectedStatus, "other: teapot")
        );
    }
}
