//! What every fake reads of a request and writes in an answer the same
//! way: a header's text, the bearer token, the media type, a JSON body of
//! known fields, a JSON answer with extra headers, the state lock. What a
//! provider decides (its error shapes and words, the order of its checks)
//! stays in its own fake. Like the rest of the sandbox this shares no code
//! with the clients (`providers/`) or the key code (`keys/`).

use std::sync::{Mutex, MutexGuard};

use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use serde_json::{Map, Value};

/// The text of header `name`, trimmed; empty when it is absent or not
/// visible ASCII.
pub(crate) fn header<'a>(headers: &'a HeaderMap, name: &str) -> &'a str {
    headers
        .get(name)
        .and_then(|value| value.to_str().ok())
        .map(str::trim)
        .unwrap_or_default()
}

/// The token of `Authorization: Bearer <token>`; `None` when the header is
/// missing or of another scheme.
pub(crate) fn bearer(headers: &HeaderMap) -> Option<&str> {
    header(headers, "authorization").strip_prefix("Bearer ")
}

/// The request's media type (`Content-Type` before any parameter), lower
/// case; empty when there is none.
pub(crate) fn media_type(headers: &HeaderMap) -> String {
    let value = header(headers, "content-type");
    value
        .split(';')
        .next()
        .unwrap_or_default()
        .trim()
        .to_ascii_lowercase()
}

/// Why a body is not a JSON object of known fields; each fake words it in
/// its provider's error shape.
#[derive(Debug, PartialEq, Eq)]
pub(crate) enum BodyProblem {
    /// `Content-Type` is not `application/json`.
    NotJsonType,
    /// The body does not parse as JSON.
    NotJson,
    /// The body is JSON but not an object.
    NotAnObject,
    /// The object has this field, which the endpoint does not take.
    UnknownField(String),
}

/// The body of a POST, PUT or PATCH as a JSON object with only `allowed`
/// fields.
pub(crate) fn json_object(
    headers: &HeaderMap,
    body: &[u8],
    allowed: &[&str],
) -> Result<Map<String, Value>, BodyProblem> {
    if media_type(headers) != "application/json" {
        return Err(BodyProblem::NotJsonType);
    }
    let object = match serde_json::from_slice::<Value>(body) {
        Ok(Value::Object(object)) => object,
        Ok(_) => return Err(BodyProblem::NotAnObject),
        Err(_) => return Err(BodyProblem::NotJson),
    };
    match object.keys().find(|name| !allowed.contains(&name.as_str())) {
        Some(unknown) => Err(BodyProblem::UnknownField(unknown.clone())),
        None => Ok(object),
    }
}

/// A JSON answer of `content_type` with `headers` added (a value that is
/// not a valid header is left out).
pub(crate) fn json_response(
    status: StatusCode,
    content_type: &'static str,
    body: &Value,
    headers: Vec<(&'static str, String)>,
) -> Response {
    let mut response = (status, [("content-type", content_type)], body.to_string()).into_response();
    add_headers(&mut response, headers);
    response
}

/// Adds `headers` to `response`, leaving out values that are not valid
/// header text.
pub(crate) fn add_headers(response: &mut Response, headers: Vec<(&'static str, String)>) {
    for (name, value) in headers {
        if let Ok(value) = HeaderValue::from_str(&value) {
            response.headers_mut().insert(name, value);
        }
    }
}

/// A fake's state, locked; a test that panicked while holding it does not
/// poison it for the others.
pub(crate) fn lock<S>(state: &Mutex<S>) -> MutexGuard<'_, S> {
    state
        .lock()
        .unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.insert(*name, HeaderValue::from_str(value).unwrap());
        }
        map
    }

    #[test]
    fn bearer_takes_only_the_bearer_scheme() {
        assert_eq!(
            bearer(&headers(&[("authorization", "Bearer abc")])),
            Some("abc")
        );
        assert_eq!(bearer(&headers(&[("authorization", "token abc")])), None);
        assert_eq!(bearer(&headers(&[("authorization", "bearer abc")])), None);
        assert_eq!(bearer(&HeaderMap::new()), None);
    }

    #[test]
    fn a_body_must_be_a_json_object_of_known_fields() {
        let json = headers(&[("content-type", "Application/JSON; charset=utf-8")]);
        assert_eq!(
            json_object(&json, br#"{"name": "a"}"#, &["name"]).map(|o| o.len()),
            Ok(1)
        );
        assert_eq!(
            json_object(&json, br#"{"name": "a", "x": 1}"#, &["name"]),
            Err(BodyProblem::UnknownField("x".into()))
        );
        assert_eq!(
            json_object(&json, b"[]", &["name"]),
            Err(BodyProblem::NotAnObject)
        );
        assert_eq!(
            json_object(&json, b"{", &["name"]),
            Err(BodyProblem::NotJson)
        );
        for content_type in ["text/plain", "application/json-patch+json"] {
            let other = headers(&[("content-type", content_type)]);
            assert_eq!(
                json_object(&other, b"{}", &[]),
                Err(BodyProblem::NotJsonType),
                "{content_type}"
            );
        }
        assert_eq!(
            json_object(&HeaderMap::new(), b"{}", &[]),
            Err(BodyProblem::NotJsonType)
        );
    }
}
