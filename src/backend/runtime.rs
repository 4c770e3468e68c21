//! The backend thread: owns the tokio runtime, receives commands, runs each
//! as a task, and sends events back with a repaint request.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, AtomicUsize, Ordering};

use tokio::sync::mpsc;

use super::commands::Command;
use super::context::{Context, Services};
use super::request::{self, Pending, Repaint, Reply};
use crate::providers::Http;

/// Handle the UI holds: asks for work, each answer coming back through the
/// [`Pending`] that [`Backend::request`] returns.
pub struct Backend {
    commands: mpsc::UnboundedSender<Command>,
    repaint: Repaint,
    next_request: AtomicU64,
    running: Arc<AtomicUsize>,
}

impl std::fmt::Debug for Backend {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Backend")
            .field("next_request", &self.next_request)
            .field("running", &self.running)
            .finish()
    }
}

impl Backend {
    /// Starts the runtime thread. `repaint` is called after every answer
    /// (the app passes `ctx.request_repaint`).
    pub fn start(repaint: impl Fn() + Send + Sync + 'static, services: Services) -> Self {
        let (command_tx, command_rx) = mpsc::unbounded_channel();
        let spawned = std::thread::Builder::new()
            .name("keyfleet-backend".into())
            .spawn(move || run(command_rx, services));
        if let Err(err) = spawned {
            tracing::error!(%err, "could not start the backend thread");
        }
        Self {
            commands: command_tx,
            repaint: Arc::new(repaint),
            next_request: AtomicU64::new(1),
            running: Arc::new(AtomicUsize::new(0)),
        }
    }

    /// Sends the command `build` makes around a fresh [`Reply`]; the caller
    /// keeps the returned [`Pending`] and polls it. If the backend is gone
    /// the command (and its reply) is dropped, so the pending value answers
    /// [`Lost`](super::Lost) instead of waiting forever.
    pub fn request<T>(&self, build: impl FnOnce(Reply<T>) -> Command) -> Pending<T> {
        let id = self.next_request.fetch_add(1, Ordering::Relaxed);
        let (reply, pending) = request::channel(id, self.repaint.clone(), &self.running);
        if self.commands.send(build(reply)).is_err() {
            tracing::error!(request = id, "backend is gone; command dropped");
        }
        pending
    }

    /// Requests whose answer someone is still waiting for.
    pub fn running(&self) -> usize {
        self.running.load(Ordering::Relaxed)
    }
}

fn run(mut commands: mpsc::UnboundedReceiver<Command>, services: Services) {
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .thread_name("keyfleet-io")
        .enable_all()
        .build()
    {
        Ok(runtime) => runtime,
        Err(err) => {
            tracing::error!(%err, "could not start the tokio runtime");
            return;
        }
    };
    let http = Http::new(services.http_policy.clone());
    let context = Arc::new(Context::new(services, http));
    runtime.block_on(async move {
        while let Some(command) = commands.recv().await {
            let context = context.clone();
            tokio::spawn(async move { super::dispatch::handle(context, command).await });
        }
    });
    // Commands closed: the app is exiting. Don't wait for slow requests.
    runtime.shutdown_background();
}
