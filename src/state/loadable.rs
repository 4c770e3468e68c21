//! A value that is loaded in the background.

use crate::backend::RequestId;
use crate::providers::ApiError;

/// The last loaded value plus the state of the newest request. The old value
/// stays while a refresh is pending, so tables don't flicker.
#[derive(Debug, Clone)]
pub struct Loadable<T> {
    /// The newest value that arrived.
    pub value: Option<T>,
    /// The request being waited for, if any.
    pub pending: Option<RequestId>,
    /// The error of the newest request, if it failed.
    pub error: Option<ApiError>,
}

impl<T> Default for Loadable<T> {
    fn default() -> Self {
        Self {
            value: None,
            pending: None,
            error: None,
        }
    }
}

impl<T> Loadable<T> {
    /// Marks `request` as the one whose answer counts.
    pub fn start(&mut self, request: RequestId) {
        self.pending = Some(request);
    }

    /// True while a request is in flight.
    pub fn is_loading(&self) -> bool {
        self.pending.is_some()
    }

    /// Applies an answer; returns false (and changes nothing) for a stale
    /// answer to a superseded request.
    pub fn finish(&mut self, request: RequestId, result: Result<T, ApiError>) -> bool {
        if self.pending != Some(request) {
            return false;
        }
        self.pending = None;
        match result {
            Ok(value) => {
                self.value = Some(value);
                self.error = None;
            }
            Err(err) => self.error = Some(err),
        }
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::providers::ApiErrorKind;

    #[test]
    fn stale_answers_are_ignored_and_values_kept_on_error() {
        let mut list: Loadable<Vec<u32>> = Loadable::default();
        list.start(1);
        list.start(2);
        assert!(!list.finish(1, Ok(vec![1])));
        assert!(list.value.is_none());
        assert!(list.finish(2, Ok(vec![2])));
        assert_eq!(list.value, Some(vec![2]));
        list.start(3);
        assert!(list.finish(3, Err(ApiError::new(ApiErrorKind::Timeout, "t"))));
        assert_eq!(list.value, Some(vec![2]));
        assert!(list.error.is_some());
        assert!(!list.is_loading());
    }
}
