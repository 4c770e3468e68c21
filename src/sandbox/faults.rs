//! Fault injection shared by every fake server: the next N requests fail in
//! a chosen way or wait at a [`Gate`] the test opens, every request can be
//! slowed down, and every request is recorded so tests can count round trips,
//! check for duplicates and wait for a request to arrive.
//!
//! Test machinery only: built with the `sandbox-faults` feature, which the
//! tests turn on (a dev-dependency of the crate on itself) and the shipped
//! binary does not, so `keyfleet --demo` serves the fakes without it.

use std::collections::VecDeque;
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;

use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderValue, StatusCode};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};

/// A way for the fake to misbehave.
#[derive(Clone, Debug, PartialEq)]
pub enum Fault {
    /// Answer 500 with a provider-like error body, without handling the request.
    ServerError,
    /// Answer 429 with `header` (such as `Retry-After` or `X-RateLimit-Reset`)
    /// set to `seconds`, without handling the request.
    RateLimited {
        /// Header name.
        header: &'static str,
        /// Header value in seconds.
        seconds: f64,
    },
    /// Wait this long before handling the request.
    Delay(Duration),
    /// Handle the request, then break the connection mid-body so the client
    /// never sees the answer (a create is done but its reply is lost).
    DropAfterHandling,
    /// Answer 200 with an HTML proxy page instead of JSON.
    HtmlPage,
    /// Handle the request, then cut the JSON answer in half.
    TruncatedBody,
    /// Answer 200 with a body bigger than the client's limit.
    HugeBody,
    /// Answer `status` (a 3xx) with `Location: location` (none when `None`),
    /// without handling the request: a moved API or a hostile server trying
    /// to pull the token or the request body to another address.
    Redirect {
        /// The 3xx status.
        status: u16,
        /// The `Location` header, sent as given (also when it is garbled).
        location: Option<String>,
    },
    /// Hold the request at `Gate` until the test releases it, then handle
    /// it: a request that is certainly in flight for as long as a test
    /// needs, with no timing involved.
    Hold(Gate),
}

/// A barrier for [`Fault::Hold`]: counts the requests that reached it and
/// holds them until [`Gate::release`]. Clones share state.
#[derive(Clone, Default)]
pub struct Gate {
    inner: Arc<GateInner>,
}

#[derive(Default)]
struct GateInner {
    state: Mutex<GateState>,
    // Wakes blocking waiters (UI tests) and async ones (the held requests,
    // client tests on the fake's runtime), so neither polls.
    changed: Condvar,
    notify: tokio::sync::Notify,
}

#[derive(Default)]
struct GateState {
    arrived: usize,
    released: bool,
}

impl PartialEq for Gate {
    fn eq(&self, other: &Self) -> bool {
        Arc::ptr_eq(&self.inner, &other.inner)
    }
}

impl std::fmt::Debug for Gate {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let state = self.lock();
        f.debug_struct("Gate")
            .field("arrived", &state.arrived)
            .field("released", &state.released)
            .finish()
    }
}

impl Gate {
    /// A closed gate no request has reached.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, GateState> {
        self.inner
            .state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    fn changed(&self) {
        self.inner.changed.notify_all();
        self.inner.notify.notify_waiters();
    }

    /// How many requests reached the gate so far.
    pub fn arrived(&self) -> usize {
        self.lock().arrived
    }

    /// Lets every held request (and any later one) through.
    pub fn release(&self) {
        self.lock().released = true;
        self.changed();
    }

    /// Whether [`Gate::release`] was called.
    pub fn is_released(&self) -> bool {
        self.lock().released
    }

    /// Blocks until `count` requests reached the gate; `false` when
    /// `deadline` passed first (a failure bound, never a measurement).
    pub fn wait_arrivals_blocking(&self, count: usize, deadline: Duration) -> bool {
        let state = self.lock();
        let (state, _) = self
            .inner
            .changed
            .wait_timeout_while(state, deadline, |state| state.arrived < count)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        state.arrived >= count
    }

    /// Waits until `count` requests reached the gate; `false` when
    /// `deadline` passed first.
    pub async fn wait_arrivals(&self, count: usize, deadline: Duration) -> bool {
        wait_until(&self.inner.notify, deadline, || self.arrived() >= count).await
    }

    /// Counts the arrival, then waits for the release.
    async fn hold(&self) {
        self.lock().arrived += 1;
        self.changed();
        let released = || self.is_released();
        while !wait_until(&self.inner.notify, Duration::from_secs(3600), released).await {}
    }
}

/// Waits on `notify` until `done` holds; `false` when `deadline` passed.
async fn wait_until(
    notify: &tokio::sync::Notify,
    deadline: Duration,
    done: impl Fn() -> bool,
) -> bool {
    let waiting = async {
        loop {
            // Registered before the check, so a change between the check
            // and the wait still wakes it.
            let notified = notify.notified();
            tokio::pin!(notified);
            notified.as_mut().enable();
            if done() {
                return;
            }
            notified.await;
        }
    };
    tokio::time::timeout(deadline, waiting).await.is_ok()
}

/// One request the fake received.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct RecordedRequest {
    /// HTTP method.
    pub method: String,
    /// Path and query.
    pub path: String,
}

#[derive(Default)]
struct FaultState {
    /// Each fault with the path prefix a request must have to take it
    /// (`None`: any request).
    queue: VecDeque<(Option<String>, Fault)>,
    latency: Duration,
    requests: Vec<RecordedRequest>,
}

/// Handle to a fake's fault injection; clones share state.
#[derive(Clone, Default)]
pub struct Faults {
    state: Arc<Mutex<FaultState>>,
    // Wake whoever waits for a request count (blocking or async).
    arrivals: Arc<(Condvar, tokio::sync::Notify)>,
}

impl std::fmt::Debug for Faults {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Faults")
    }
}

impl Faults {
    fn lock(&self) -> std::sync::MutexGuard<'_, FaultState> {
        // A panicking test thread must not poison the fake for the others.
        self.state
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// The next `times` requests suffer `fault`.
    pub fn inject(&self, fault: Fault, times: usize) {
        self.inject_queued(None, fault, times);
    }

    /// The next `times` requests whose path (without the query) starts
    /// with `path_prefix` suffer `fault`; other requests pass by. Lists
    /// fetched concurrently (keys and workspaces, two key kinds) then
    /// cannot take each other's faults, whatever order they arrive in.
    pub fn inject_on(&self, path_prefix: &str, fault: Fault, times: usize) {
        self.inject_queued(Some(path_prefix.to_string()), fault, times);
    }

    fn inject_queued(&self, path_prefix: Option<String>, fault: Fault, times: usize) {
        let mut state = self.lock();
        for _ in 0..times {
            state.queue.push_back((path_prefix.clone(), fault.clone()));
        }
    }

    /// Removes every pending fault.
    pub fn clear(&self) {
        self.lock().queue.clear();
    }

    /// Adds `latency` to every request (benchmarks, spinner tests).
    pub fn set_latency(&self, latency: Duration) {
        self.lock().latency = latency;
    }

    /// Every request received so far.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        self.lock().requests.clone()
    }

    /// How many requests were received.
    pub fn request_count(&self) -> usize {
        self.lock().requests.len()
    }

    /// Forgets the recorded requests.
    pub fn reset_requests(&self) {
        self.lock().requests.clear();
    }

    /// Blocks until at least `count` requests were received; `false` when
    /// `deadline` passed first (a failure bound, never a measurement).
    pub fn wait_for_requests_blocking(&self, count: usize, deadline: Duration) -> bool {
        let state = self.lock();
        let (state, _) = self
            .arrivals
            .0
            .wait_timeout_while(state, deadline, |state| state.requests.len() < count)
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        state.requests.len() >= count
    }

    /// Waits until at least `count` requests were received; `false` when
    /// `deadline` passed first.
    pub async fn wait_for_requests(&self, count: usize, deadline: Duration) -> bool {
        wait_until(&self.arrivals.1, deadline, || self.request_count() >= count).await
    }
}

/// `routes` with `faults` applied to every request (outermost, so even
/// the token check sees the injected delay or error).
pub fn layer(routes: axum::Router, faults: &Faults) -> axum::Router {
    routes.layer(axum::middleware::from_fn_with_state(
        faults.clone(),
        apply_faults,
    ))
}

/// Axum middleware applying the queued faults; install with [`layer`].
pub async fn apply_faults(State(faults): State<Faults>, request: Request, next: Next) -> Response {
    let (fault, latency) = {
        let mut state = faults.lock();
        state.requests.push(RecordedRequest {
            method: request.method().to_string(),
            path: request
                .uri()
                .path_and_query()
                .map(|p| p.to_string())
                .unwrap_or_default(),
        });
        let path = request.uri().path();
        let taken = state.queue.iter().position(|(prefix, _)| {
            prefix
                .as_deref()
                .is_none_or(|prefix| path.starts_with(prefix))
        });
        let fault = taken
            .and_then(|index| state.queue.remove(index))
            .map(|(_, fault)| fault);
        (fault, state.latency)
    };
    faults.arrivals.0.notify_all();
    faults.arrivals.1.notify_waiters();
    if !latency.is_zero() {
        tokio::time::sleep(latency).await;
    }
    match fault {
        None => next.run(request).await,
        Some(Fault::Hold(gate)) => {
            gate.hold().await;
            next.run(request).await
        }
        Some(Fault::Delay(delay)) => {
            tokio::time::sleep(delay).await;
            next.run(request).await
        }
        Some(Fault::DropAfterHandling) => drop_after_handling(next.run(request).await),
        Some(Fault::TruncatedBody) => truncate(next.run(request).await).await,
        Some(fault) => canned_response(fault),
    }
}

/// The handled answer with its body broken off mid-stream.
fn drop_after_handling(response: Response) -> Response {
    let (mut parts, _) = response.into_parts();
    // A 204 has no body, so the server would never send the broken
    // stream; answer 200 so the client really loses the reply.
    if parts.status == StatusCode::NO_CONTENT {
        parts.status = StatusCode::OK;
    }
    let broken = futures::stream::once(async {
        Err::<axum::body::Bytes, _>(std::io::Error::other("connection dropped (injected)"))
    });
    let mut response = Response::from_parts(parts, Body::from_stream(broken));
    response.headers_mut().remove("content-length");
    response
}

/// The handled answer with the second half of its body cut off.
async fn truncate(response: Response) -> Response {
    let (mut parts, body) = response.into_parts();
    let bytes = axum::body::to_bytes(body, usize::MAX)
        .await
        .unwrap_or_default();
    let half = bytes.slice(..bytes.len() / 2);
    parts.headers.remove("content-length");
    Response::from_parts(parts, Body::from(half))
}

/// The answer of a fault that does not handle the request at all.
fn canned_response(fault: Fault) -> Response {
    match fault {
        Fault::RateLimited { header, seconds } => {
            let mut response = (
                StatusCode::TOO_MANY_REQUESTS,
                [("content-type", "application/json")],
                r#"{"message":"Too many requests"}"#,
            )
                .into_response();
            if let Ok(value) = HeaderValue::from_str(&seconds.to_string()) {
                response.headers_mut().insert(header, value);
            }
            response
        }
        Fault::HtmlPage => (
            StatusCode::OK,
            [("content-type", "text/html")],
            "<html><body><h1>502 Bad Gateway</h1>nginx</body></html>",
        )
            .into_response(),
        Fault::HugeBody => {
            let size = crate::providers::http::MAX_BODY_BYTES + 1024;
            (
                StatusCode::OK,
                [("content-type", "application/json")],
                vec![b' '; size],
            )
                .into_response()
        }
        Fault::Redirect { status, location } => {
            let mut response = Response::new(Body::empty());
            *response.status_mut() =
                StatusCode::from_u16(status).unwrap_or(StatusCode::TEMPORARY_REDIRECT);
            if let Some(value) = location.and_then(|text| HeaderValue::from_str(&text).ok()) {
                response.headers_mut().insert("location", value);
            }
            response
        }
        // The faults that handle the request never come here.
        Fault::ServerError
        | Fault::Delay(_)
        | Fault::Hold(_)
        | Fault::DropAfterHandling
        | Fault::TruncatedBody => (
            StatusCode::INTERNAL_SERVER_ERROR,
            [("content-type", "application/json")],
            r#"{"message":"Internal server error (injected)"}"#,
        )
            .into_response(),
    }
}
