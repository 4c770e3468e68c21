//! One answer per request, owned by whoever asked.
//!
//! [`Backend::request`](super::Backend::request) makes a one-shot channel
//! (`tokio::sync::oneshot`): the command carries the sending half, a
//! [`Reply`], and the asker keeps the receiving half, a [`Pending`], which
//! it polls once per frame without blocking. Nothing routes answers by id:
//! dropping a `Pending` (a dialog closed, a refresh superseded) is how an
//! answer stops mattering; the backend's send then fails quietly.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use tokio::sync::oneshot;

use crate::providers::{ApiError, ApiErrorKind};

/// Numbers requests for the logs; increases monotonically.
pub type RequestId = u64;

/// Wakes the UI after an answer was sent (the app passes `request_repaint`).
pub(super) type Repaint = Arc<dyn Fn() + Send + Sync>;

/// The backend's half: sends the one answer and wakes the UI.
pub struct Reply<T> {
    id: RequestId,
    sender: oneshot::Sender<T>,
    repaint: Repaint,
    /// The backend's count of awaited requests, for [`Reply::follow_up`].
    running: Arc<AtomicUsize>,
}

impl<T> std::fmt::Debug for Reply<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never the answer: it may hold a private key.
        f.debug_struct("Reply").field("id", &self.id).finish()
    }
}

impl<T> Reply<T> {
    /// The request's number, for the logs.
    pub fn id(&self) -> RequestId {
        self.id
    }

    /// A second answer to the same request, for a part that comes later
    /// (what uses the keys, after the keys): the backend sends the
    /// [`Pending`] inside the first answer and answers the [`Reply`] when
    /// the part is there. It counts as running until answered or dropped.
    pub fn follow_up<U>(&self) -> (Reply<U>, Pending<U>) {
        channel(self.id, self.repaint.clone(), &self.running)
    }

    /// Sends the answer and asks the UI to repaint. An asker that stopped
    /// waiting (dropped its [`Pending`]) is not an error.
    pub fn send(self, answer: T) {
        let _ = self.sender.send(answer);
        (self.repaint)();
    }
}

/// The backend went away before answering (it is shutting down, or the task
/// failed): the asker shows this instead of waiting forever.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Lost;

impl Lost {
    const MESSAGE: &'static str = "The background worker stopped before answering.";
}

impl From<Lost> for ApiError {
    fn from(_: Lost) -> Self {
        ApiError::new(ApiErrorKind::Network, Lost::MESSAGE)
    }
}

impl From<Lost> for String {
    fn from(_: Lost) -> Self {
        Lost::MESSAGE.into()
    }
}

/// Counts the requests someone is still waiting for (the status bar's
/// "N request(s) running").
#[derive(Debug)]
struct Waiting(Arc<AtomicUsize>);

impl Waiting {
    fn new(count: &Arc<AtomicUsize>) -> Self {
        count.fetch_add(1, Ordering::Relaxed);
        Self(count.clone())
    }
}

impl Drop for Waiting {
    fn drop(&mut self) {
        self.0.fetch_sub(1, Ordering::Relaxed);
    }
}

/// The asker's half: the answer, once it arrives.
pub struct Pending<T> {
    id: RequestId,
    receiver: oneshot::Receiver<T>,
    /// Counted as running until answered or dropped.
    waiting: Option<Waiting>,
}

impl<T> std::fmt::Debug for Pending<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Pending").field("id", &self.id).finish()
    }
}

/// Makes the two halves of one request.
pub(super) fn channel<T>(
    id: RequestId,
    repaint: Repaint,
    running: &Arc<AtomicUsize>,
) -> (Reply<T>, Pending<T>) {
    let (sender, receiver) = oneshot::channel();
    (
        Reply {
            id,
            sender,
            repaint,
            running: running.clone(),
        },
        Pending {
            id,
            receiver,
            waiting: Some(Waiting::new(running)),
        },
    )
}

impl<T> Pending<T> {
    /// The request's number, for the logs.
    pub fn id(&self) -> RequestId {
        self.id
    }

    /// The answer if it has arrived, without waiting; `Some(Err(Lost))`
    /// when it never will. After `Some`, the value is spent: drop it.
    pub fn try_take(&mut self) -> Option<Result<T, Lost>> {
        let answer = match self.receiver.try_recv() {
            Ok(answer) => Ok(answer),
            Err(oneshot::error::TryRecvError::Empty) => return None,
            Err(oneshot::error::TryRecvError::Closed) => Err(Lost),
        };
        self.waiting = None;
        Some(answer)
    }

    /// Blocks up to `timeout` for the answer (tests and tools; never on the
    /// UI thread). `None` on timeout or when the backend went away.
    pub fn wait(mut self, timeout: Duration) -> Option<T> {
        let deadline = Instant::now() + timeout;
        loop {
            match self.try_take() {
                Some(answer) => return answer.ok(),
                None if Instant::now() >= deadline => return None,
                None => std::thread::sleep(Duration::from_millis(5)),
            }
        }
    }
}

impl<T, E: From<Lost>> Pending<Result<T, E>> {
    /// Like [`Self::try_take`], a lost answer becoming the error type's
    /// "worker stopped" value.
    pub fn poll(&mut self) -> Option<Result<T, E>> {
        Some(self.try_take()?.unwrap_or_else(|lost| Err(lost.into())))
    }
}

/// Polls the request in `slot`, if any: returns its answer once and empties
/// the slot, so a finished request can never answer twice.
pub fn take_answer<T, E: From<Lost>>(
    slot: &mut Option<Pending<Result<T, E>>>,
) -> Option<Result<T, E>> {
    let answer = slot.as_mut()?.poll()?;
    *slot = None;
    Some(answer)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn pair<T>(running: &Arc<AtomicUsize>) -> (Reply<T>, Pending<T>) {
        channel(1, Arc::new(|| {}), running)
    }

    #[test]
    fn an_answer_is_taken_once_and_stops_counting() {
        let running = Arc::new(AtomicUsize::new(0));
        let (reply, pending) = pair::<Result<u32, String>>(&running);
        let mut slot = Some(pending);
        assert_eq!(running.load(Ordering::Relaxed), 1);
        assert_eq!(take_answer(&mut slot), None, "nothing sent yet");
        reply.send(Ok(7));
        assert_eq!(take_answer(&mut slot), Some(Ok(7)));
        assert!(slot.is_none());
        assert_eq!(take_answer(&mut slot), None);
        assert_eq!(running.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_dropped_reply_is_an_error_not_a_hang() {
        let running = Arc::new(AtomicUsize::new(0));
        let (reply, pending) = pair::<Result<u32, ApiError>>(&running);
        drop(reply);
        let mut slot = Some(pending);
        let answer = take_answer(&mut slot).expect("answered");
        assert_eq!(answer.unwrap_err().kind, ApiErrorKind::Network);
        assert_eq!(running.load(Ordering::Relaxed), 0);
    }

    #[test]
    fn a_dropped_pending_stops_counting_and_the_reply_still_works() {
        let running = Arc::new(AtomicUsize::new(0));
        let (reply, pending) = pair::<u32>(&running);
        drop(pending);
        assert_eq!(running.load(Ordering::Relaxed), 0);
        reply.send(1);
    }
}
