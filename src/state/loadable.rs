//! A value loaded in the background, owning its own request.

use crate::backend::{Pending, take_answer};
use crate::providers::ApiError;

/// The last loaded value plus the newest request for it. The old value stays
/// while a refresh is pending, so tables don't flicker.
///
/// `A` is what the backend answers; [`Self::poll_with`] merges it into the
/// value `T`, or into state kept elsewhere (`T = ()`). Only the newest
/// request counts: [`Self::start`] drops the one before, so its answer is
/// never seen. The fields are for reading; only `poll` and `fail` write
/// `loaded` and `error`.
#[derive(Debug)]
pub struct Loadable<T, A = T> {
    /// The value (its default before the first answer); local edits (a
    /// deleted row) need no reload.
    pub value: T,
    /// An answer arrived successfully at least once.
    pub loaded: bool,
    /// The newest request's error, if it failed.
    pub error: Option<ApiError>,
    pending: Option<Pending<Result<A, ApiError>>>,
}

impl<T: Default, A> Default for Loadable<T, A> {
    fn default() -> Self {
        Self {
            value: T::default(),
            loaded: false,
            pending: None,
            error: None,
        }
    }
}

impl<T, A> Loadable<T, A> {
    /// Waits for `request` from now on, forgetting any older one.
    pub fn start(&mut self, request: Pending<Result<A, ApiError>>) {
        self.pending = Some(request);
    }

    /// Records a failure found before anything was sent (the request is
    /// not started; an older one is forgotten).
    pub fn fail(&mut self, error: ApiError) {
        self.pending = None;
        self.error = Some(error);
    }

    /// True while a request is in flight.
    pub fn is_loading(&self) -> bool {
        self.pending.is_some()
    }

    /// Applies the answer if it arrived, merging it into the value with
    /// `merge`; on failure the old value stays. Returns what happened, once.
    pub fn poll_with(&mut self, merge: impl FnOnce(&mut T, A)) -> Option<Result<(), ApiError>> {
        match take_answer(&mut self.pending)? {
            Ok(answer) => {
                merge(&mut self.value, answer);
                self.loaded = true;
                self.error = None;
                Some(Ok(()))
            }
            Err(err) => {
                self.error = Some(err.clone());
                Some(Err(err))
            }
        }
    }
}

impl<T> Loadable<T> {
    /// Applies the answer if it arrived, replacing the value.
    pub fn poll(&mut self) -> Option<Result<(), ApiError>> {
        self.poll_with(|value, answer| *value = answer)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::backend::{Backend, Command, ScriptedDialogs, Services};
    use crate::providers::{ApiErrorKind, HttpPolicy};
    use crate::store::{MemoryStore, Profile};
    use std::sync::Arc;
    use std::time::{Duration, Instant};

    fn backend() -> Backend {
        Backend::start(
            || {},
            Services {
                secrets: Arc::new(MemoryStore::default()),
                dialogs: Arc::new(ScriptedDialogs::default()),
                http_policy: HttpPolicy::default(),
                agent: Default::default(),
            },
        )
    }

    /// A request the backend answers quickly with an error: the account has
    /// no token.
    fn list(backend: &Backend) -> Pending<Result<Vec<crate::providers::RemoteKey>, ApiError>> {
        let mut profile = Profile::new(crate::providers::registry::all()[0].kind);
        profile.base_url = "http://127.0.0.1:9".into();
        backend.request(|reply| Command::ListKeys { reply, profile })
    }

    fn poll_until_answered<T, A>(
        loadable: &mut Loadable<T, A>,
        merge: impl Fn(&mut T, A),
    ) -> Result<(), ApiError> {
        let deadline = Instant::now() + Duration::from_secs(20);
        loop {
            if let Some(result) = loadable.poll_with(&merge) {
                return result;
            }
            assert!(Instant::now() < deadline, "no answer");
            std::thread::sleep(Duration::from_millis(5));
        }
    }

    #[test]
    fn a_newer_request_wins_and_the_value_stays_on_error() {
        let backend = backend();
        let mut keys: Loadable<Vec<u32>, Vec<crate::providers::RemoteKey>> = Loadable::default();
        keys.value.push(1);
        keys.start(list(&backend));
        keys.start(list(&backend));
        assert_eq!(backend.running(), 1, "the superseded request is forgotten");
        let result = poll_until_answered(&mut keys, |value, _| value.push(2));
        assert_eq!(result.unwrap_err().kind, ApiErrorKind::MissingToken);
        assert_eq!(keys.value, vec![1], "the old value stays");
        assert!(keys.error.is_some());
        assert!(!keys.is_loading() && !keys.loaded);
        assert_eq!(keys.poll_with(|_, _| {}), None, "answered once");
        assert_eq!(backend.running(), 0);
    }

    #[test]
    fn a_local_failure_stops_waiting() {
        let backend = backend();
        let mut keys: Loadable<Vec<crate::providers::RemoteKey>> = Loadable::default();
        keys.start(list(&backend));
        keys.fail(ApiError::invalid_input("not sent"));
        assert!(!keys.is_loading());
        assert_eq!(keys.error.map(|e| e.message), Some("not sent".into()));
        assert_eq!(backend.running(), 0);
    }
}
