//! Sesterce GPU cloud SSH keys (`/gpu-cloud/ssh-keys`).
//!
//! Sesterce stores public keys only, returns no fingerprint (we compute it
//! locally), cannot generate keys, and marks exactly one key as the account
//! default. Authentication is the `x-api-key` header. Errors come in the
//! NestJS shape `{"statusCode", "timestamp", "path", "message"}` where
//! `message` is a string or, for validation errors, an array of strings.

use super::model::{Capabilities, ProviderKind, StoredMaterial};
use super::spec::{self, KeyColumn, ProviderSettings, ProviderSpec};
use reqwest::Method;
use serde::Deserialize;

use super::error::{ApiError, ApiErrorKind, ErrorRule, ErrorTable, FieldError};
use super::http::Http;
use super::http::{self, RawResponse, RestClient, TokenHeader};
use super::model::{CreatedKey, NewKey, NewKeyMaterial, RemoteKey};
use super::redact::Redactor;
use crate::keys::SecretString;

/// The public Sesterce API address (the official CLI's default).
pub const DEFAULT_BASE_URL: &str = "https://api.cloud.sesterce.com";

/// Sesterce's entry in the provider table: keys and a default key.
pub static SPEC: ProviderSpec = ProviderSpec {
    kind: ProviderKind::Sesterce,
    label: "Sesterce",
    default_base_url: DEFAULT_BASE_URL,
    base_url_label: "API base URL:",
    base_url_hint: None,
    official_base_url: Some(DEFAULT_BASE_URL),
    token_env_var: "SESTERCE_API_KEY",
    token_hint: None,
    token_prefixes: &[],
    capabilities: Capabilities {
        server_generate: false,
        share: false,
        make_default: true,
        rename: false,
        stores: StoredMaterial::PublicKey,
        regional_keypairs: false,
        labels: false,
        expiry: false,
    },
    validate_key_name,
    profile_fields: &[],
    new_settings: || ProviderSettings::Sesterce {},
    account_summary: |_| "account".into(),
    columns: |_| {
        use KeyColumn::*;
        &[
            Name, Default, Actions, Algorithm, Sha256, Md5, Created, Updated,
        ]
    },
    hidden_columns: &[KeyColumn::Md5],
    account_key_kind: "Account",
    notices: spec::no_notices,
    key_scopes: spec::account_scope_only,
    add_key_label: "➕ Add key",
    private_key_hint: None,
    generate: spec::GENERATE_LOCALLY,
};

/// Longest server message we repeat in our own message.
const MAX_MESSAGE_CHARS: usize = 300;

/// Checks a key name before anything is sent: required, not only spaces,
/// at most 255 characters (Sesterce documents no limit; this only stops
/// absurd input), no control characters.
pub fn validate_key_name(name: &str) -> Result<(), ApiError> {
    super::model::check_free_form_name(name, "key", "Sesterce")
}

/// A client for one Sesterce account.
#[derive(Clone, Debug)]
pub struct SesterceClient {
    rest: RestClient,
}

/// One key as Sesterce returns it (`SSHKeyDto`).
#[derive(Debug, Deserialize)]
struct SshKeyDto {
    #[serde(rename = "_id")]
    id: String,
    name: String,
    #[serde(rename = "publicKey")]
    public_key: String,
    #[serde(rename = "isDefault", default)]
    is_default: Option<bool>,
    #[serde(rename = "createdAt", default)]
    created_at: Option<String>,
    #[serde(rename = "updatedAt", default)]
    updated_at: Option<String>,
}

impl SshKeyDto {
    fn into_remote(self) -> RemoteKey {
        RemoteKey {
            id: self.id,
            name: self.name.into(),
            public_key: Some(self.public_key),
            // A key without the flag is not the default: the API always sends it.
            is_default: Some(self.is_default.unwrap_or(false)),
            created_at: self.created_at.map(Into::into),
            updated_at: self.updated_at.map(Into::into),
            ..RemoteKey::default()
        }
        .with_local_fingerprints()
    }
}

/// The create request body (`CreateSSHKeyDto`).
#[derive(serde::Serialize)]
struct CreateBody<'a> {
    name: &'a str,
    #[serde(rename = "publicKey")]
    public_key: &'a str,
}

/// What the call was about, for error messages.
#[derive(Clone, Copy)]
enum Operation {
    List,
    Create,
    MakeDefault,
    Delete,
}

impl Operation {
    fn describe(self) -> &'static str {
        match self {
            Self::List => "listing SSH keys",
            Self::Create => "adding the SSH key",
            Self::MakeDefault => "making the key the default",
            Self::Delete => "deleting the SSH key",
        }
    }
}

impl SesterceClient {
    /// A client for the account behind `token` at `base_url` (already normalised).
    pub fn new(http: Http, base_url: &str, token: SecretString) -> Self {
        let api_key = TokenHeader {
            name: "x-api-key",
            prefix: "",
        };
        Self {
            rest: RestClient::new(http, base_url, token, api_key, "application/json"),
        }
    }

    /// Checks the API key by listing the keys.
    pub async fn test_connection(&self) -> Result<String, ApiError> {
        let keys = self.list_keys().await?;
        let count = keys.len();
        Ok(format!(
            "API key works: {count} key{}",
            if count == 1 { "" } else { "s" }
        ))
    }

    /// Every key of the account (Sesterce does not page).
    pub async fn list_keys(&self) -> Result<Vec<RemoteKey>, ApiError> {
        http::with_retries(self.rest.policy(), true, |_attempt| async move {
            let response = self.send(Method::GET, &[], None).await?;
            if !response.is_success() {
                return Err(self.error(&response, Operation::List));
            }
            let keys: Vec<SshKeyDto> = self.decode(&response)?;
            Ok(keys.into_iter().map(SshKeyDto::into_remote).collect())
        })
        .await
    }

    /// Uploads a public key. Never retried: a lost answer may mean the key
    /// was created, so the user refreshes instead of creating a duplicate.
    pub async fn create_key(&self, new_key: &NewKey) -> Result<CreatedKey, ApiError> {
        super::model::check_account_scope(&new_key.scope, "Sesterce")?;
        validate_key_name(&new_key.name)?;
        let public_key = match &new_key.material {
            NewKeyMaterial::PublicKey(text) => SPEC.check_public_key(text)?,
            NewKeyMaterial::GenerateOnServer => {
                return Err(ApiError::invalid_input(
                    "Sesterce cannot generate keys; generate one locally and upload its public key.",
                ));
            }
            NewKeyMaterial::PrivateKey(_) => {
                return Err(ApiError::invalid_input(
                    "Sesterce stores public keys only; the private key was not sent. Upload the public key (the .pub file) instead.",
                ));
            }
        };
        let body = serde_json::to_vec(&CreateBody {
            name: new_key.name.trim(),
            public_key: &public_key.openssh,
        })
        .map_err(|err| {
            ApiError::invalid_input(format!("The request could not be encoded: {err}"))
        })?;
        let response = self
            .send(Method::POST, &[], Some(body))
            .await
            .map_err(ApiError::noting_a_possible_create)?;
        if !response.is_success() {
            return Err(self.error(&response, Operation::Create));
        }
        let created: SshKeyDto = self.decode(&response)?;
        Ok(CreatedKey {
            key: created.into_remote(),
            private_key: None,
        })
    }

    /// Marks the key as the account default (PATCH with no body, 204).
    pub async fn make_default(&self, id: &str) -> Result<(), ApiError> {
        check_id(id)?;
        http::with_retries(self.rest.policy(), true, |_attempt| async move {
            let response = self.send(Method::PATCH, &[id, "makedefault"], None).await?;
            if !response.is_success() {
                return Err(self.error(&response, Operation::MakeDefault));
            }
            Ok(())
        })
        .await
    }

    /// Deletes the key. A "not found" on a retry means an earlier attempt
    /// already deleted it, so it counts as done.
    pub async fn delete_key(&self, id: &str) -> Result<(), ApiError> {
        check_id(id)?;
        http::with_retries(self.rest.policy(), true, |attempt| async move {
            let response = self.send(Method::DELETE, &[id], None).await?;
            if response.is_success() {
                return Ok(());
            }
            let err = self.error(&response, Operation::Delete);
            if attempt > 0 && err.kind == ApiErrorKind::NotFound {
                return Ok(());
            }
            Err(err)
        })
        .await
    }

    /// Sends one request to `/gpu-cloud/ssh-keys[/segments…]`.
    async fn send(
        &self,
        method: Method,
        segments: &[&str],
        json_body: Option<Vec<u8>>,
    ) -> Result<RawResponse, ApiError> {
        let url = self.url(segments)?;
        self.rest.send_json(method, url, json_body).await
    }

    /// `/gpu-cloud/ssh-keys/segments…`, each segment percent-encoded.
    fn url(&self, segments: &[&str]) -> Result<reqwest::Url, ApiError> {
        let mut all = vec!["gpu-cloud", "ssh-keys"];
        all.extend_from_slice(segments);
        self.rest.url(&all)
    }

    /// What removes this account's secrets from text out of an answer.
    fn redactor(&self) -> Redactor<'_> {
        self.rest.redactor()
    }

    /// Maps an error response to an [`ApiError`] the user can act on
    /// ([`ERRORS`]). The server's messages are redacted before anything is
    /// built from them.
    fn error(&self, response: &RawResponse, operation: Operation) -> ApiError {
        let redactor = self.redactor();
        let messages: Vec<String> = error_messages(&response.body)
            .iter()
            .map(|message| redactor.short(message, MAX_MESSAGE_CHARS))
            .collect();
        let status = response.status;
        let answer = ErrorAnswer {
            status,
            joined: messages.join("; "),
            operation,
            base_url: self.rest.base_url().to_string(),
        };
        let mut err = ERRORS.error(status, &answer);
        if matches!(status, 400 | 422) {
            err = err.with_fields(field_errors(&messages));
        }
        if status == 429 || status == 503 {
            err = err.with_retry_after(http::wait_from_headers(&response.headers));
        }
        redactor.error(err.with_details(redactor.excerpt(&response.body)))
    }

    /// Decodes a success body; a decoding error is redacted like any other.
    fn decode<T: serde::de::DeserializeOwned>(
        &self,
        response: &RawResponse,
    ) -> Result<T, ApiError> {
        response.json(&self.redactor())
    }
}

/// What [`ERRORS`] reads from an error answer, redacted.
struct ErrorAnswer {
    status: u16,
    /// NestJS's `message`(s), joined with "; " (may be empty).
    joined: String,
    operation: Operation,
    base_url: String,
}

impl ErrorAnswer {
    /// What the server said, else `fallback`.
    fn said(&self, fallback: &str) -> String {
        if self.joined.is_empty() {
            fallback.to_string()
        } else {
            self.joined.clone()
        }
    }
}

/// Sesterce's error table. Its API answers 403 (not 401) to a bad key and
/// 404 to a revoked one, with the reason in the message.
static ERRORS: ErrorTable<ErrorAnswer> = ErrorTable {
    rules: &[
        ErrorRule {
            statuses: &[401..=401, 403..=403],
            when: None,
            kind: ApiErrorKind::BadCredentials,
            wording: |answer| {
                format!(
                    "Sesterce refused the API key ({} {}). Check that the key is complete and still active in the Sesterce dashboard, then update this account.",
                    answer.status,
                    answer.said("API key invalid")
                )
            },
        },
        ErrorRule {
            statuses: &[404..=404],
            when: Some(|answer| answer.joined.to_ascii_lowercase().contains("api key")),
            kind: ApiErrorKind::BadCredentials,
            wording: |answer| {
                format!(
                    "Sesterce does not know this API key (404 {}). It may have been revoked: create a new key in the Sesterce dashboard and update this account.",
                    answer.said("API key not found")
                )
            },
        },
        // NestJS answers "Cannot GET /path" for a route that does not
        // exist, and the key list itself always exists: both mean the
        // base URL is wrong, not that a key is missing.
        ErrorRule {
            statuses: &[404..=404],
            when: Some(|answer| {
                answer.joined.starts_with("Cannot ")
                    || matches!(answer.operation, Operation::List | Operation::Create)
            }),
            kind: ApiErrorKind::NotFound,
            wording: |answer| {
                format!(
                    "Sesterce answered 404 ({}) while {}: the API address was not found. Check the API base URL ({}) in the account settings; it is normally {DEFAULT_BASE_URL}.",
                    answer.said("Not Found"),
                    answer.operation.describe(),
                    answer.base_url
                )
            },
        },
        ErrorRule {
            statuses: &[404..=404],
            when: None,
            kind: ApiErrorKind::NotFound,
            wording: |answer| {
                format!(
                    "SSH key not found on Sesterce while {} (it may have been deleted meanwhile). Refresh the list.",
                    answer.operation.describe()
                )
            },
        },
        ErrorRule {
            statuses: &[400..=400, 422..=422],
            when: None,
            kind: ApiErrorKind::Validation,
            wording: |answer| {
                format!(
                    "Sesterce refused the request while {}: {}.",
                    answer.operation.describe(),
                    answer.said("the request was invalid")
                )
            },
        },
        ErrorRule {
            statuses: &[429..=429],
            when: None,
            kind: ApiErrorKind::RateLimited,
            wording: |_| {
                "Sesterce is limiting requests (429 Too Many Requests); wait a moment and try again.".into()
            },
        },
        ErrorRule {
            statuses: &[500..=599],
            when: None,
            kind: ApiErrorKind::Server,
            wording: |answer| {
                format!(
                    "Sesterce had a server error (HTTP {}) while {}; try again later.",
                    answer.status,
                    answer.operation.describe()
                )
            },
        },
    ],
    fallback: ErrorRule {
        statuses: &[],
        when: None,
        kind: ApiErrorKind::UnexpectedStatus,
        wording: |answer| {
            format!(
                "Sesterce answered HTTP {} while {}{}.",
                answer.status,
                answer.operation.describe(),
                if answer.joined.is_empty() {
                    String::new()
                } else {
                    format!(": {}", answer.joined)
                }
            )
        },
    },
};

/// Refuses an empty id, which would address the list instead of one key.
fn check_id(id: &str) -> Result<(), ApiError> {
    if id.trim().is_empty() {
        return Err(ApiError::invalid_input(
            "No SSH key was chosen (the key id is empty).",
        ));
    }
    Ok(())
}

/// The `message` of a NestJS error body: a string or an array of strings.
/// Anything else (an HTML page, no body) gives no messages.
fn error_messages(body: &[u8]) -> Vec<String> {
    let Ok(value) = serde_json::from_slice::<serde_json::Value>(body) else {
        return Vec::new();
    };
    match value.get("message") {
        Some(serde_json::Value::String(text)) if !text.trim().is_empty() => {
            vec![text.trim().to_string()]
        }
        Some(serde_json::Value::Array(items)) => items
            .iter()
            .filter_map(|item| item.as_str())
            .map(|text| text.trim().to_string())
            .filter(|text| !text.is_empty())
            .collect(),
        _ => Vec::new(),
    }
}

/// Groups NestJS validation messages ("publicKey must be a string") by the
/// property they start with; other messages go under "request".
fn field_errors(messages: &[String]) -> Vec<FieldError> {
    let mut fields: Vec<FieldError> = Vec::new();
    for message in messages {
        let first = message.split_whitespace().next().unwrap_or_default();
        let field = match first {
            "name" | "publicKey" => first,
            _ => "request",
        };
        match fields.iter_mut().find(|existing| existing.field == field) {
            Some(existing) => existing.messages.push(message.clone()),
            None => fields.push(FieldError {
                field: field.to_string(),
                messages: vec![message.clone()],
            }),
        }
    }
    fields
}

#[cfg(test)]
mod tests {
    use super::*;

    /// One sample answer per row of [`ERRORS`], in order, then the
    /// fallback: every row can be reached (none is shadowed by another).
    #[test]
    fn every_error_row_is_reachable() {
        let answer = |status, joined: &str, operation| ErrorAnswer {
            status,
            joined: joined.into(),
            operation,
            base_url: DEFAULT_BASE_URL.into(),
        };
        let samples = [
            answer(403, "Forbidden", Operation::List),
            answer(404, "API key not found", Operation::Delete),
            answer(404, "Cannot GET /x", Operation::Delete),
            answer(404, "Not Found", Operation::Delete),
            answer(400, "name must be a string", Operation::Create),
            answer(429, "", Operation::List),
            answer(503, "", Operation::List),
            answer(418, "", Operation::List),
        ];
        let rows: Vec<Option<usize>> = samples.iter().map(|a| ERRORS.row(a.status, a)).collect();
        let mut expected: Vec<Option<usize>> = (0..ERRORS.rules.len()).map(Some).collect();
        expected.push(None);
        assert_eq!(rows, expected);
    }

    #[test]
    fn names_are_checked() {
        assert!(validate_key_name("laptop").is_ok());
        assert!(
            validate_key_name("   ")
                .unwrap_err()
                .message
                .contains("Enter a name")
        );
        assert!(
            validate_key_name(&"x".repeat(256))
                .unwrap_err()
                .message
                .contains("at most 255")
        );
        assert!(validate_key_name(&"x".repeat(255)).is_ok());
        assert!(
            validate_key_name("a\nb")
                .unwrap_err()
                .message
                .contains("line break")
        );
    }

    #[test]
    fn messages_as_string_or_array() {
        assert_eq!(
            error_messages(br#"{"statusCode":404,"message":"Not found"}"#),
            vec!["Not found"]
        );
        assert_eq!(
            error_messages(br#"{"statusCode":400,"message":["name must be a string","publicKey must be a string"]}"#),
            vec!["name must be a string", "publicKey must be a string"]
        );
        assert!(error_messages(b"<html>").is_empty());
        let fields = field_errors(&[
            "publicKey must be a string".into(),
            "Invalid public key".into(),
        ]);
        assert_eq!(fields[0].field, "publicKey");
        assert_eq!(fields[1].field, "request");
    }
}
