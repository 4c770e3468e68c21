//! Strict fake provider servers on 127.0.0.1, shared by the tests and
//! `keyfleet --demo`. Each fake checks auth, content types, body fields and
//! name patterns like the real API, pages like it, and answers with the real
//! error shapes. Every fake can inject faults ([`faults::Faults`]).

pub mod faults;
pub mod gcore;
pub mod github;
pub mod sesterce;
pub mod terraform;

use std::net::SocketAddr;

pub use faults::{Fault, Faults};

/// The token each fake accepts (Gcore tokens contain a literal `$`).
pub const GCORE_TOKEN: &str = "1234$sandbox-gcore-token";
/// The API key the Sesterce fake accepts.
pub const SESTERCE_TOKEN: &str = "sandbox-sesterce-key";
/// The user token the Terraform fake accepts.
pub const TERRAFORM_TOKEN: &str = "sandbox.atlasv1.user-token";
/// An organization token: valid, but refused by the SSH key endpoints.
pub const TERRAFORM_ORG_TOKEN: &str = "sandbox.atlasv1.org-token";

/// Serves `router` on a fresh loopback port; returns its base URL.
pub async fn serve(router: axum::Router) -> std::io::Result<String> {
    let listener = tokio::net::TcpListener::bind(SocketAddr::from(([127, 0, 0, 1], 0))).await?;
    let address = listener.local_addr()?;
    tokio::spawn(async move {
        if let Err(err) = axum::serve(listener, router).await {
            tracing::warn!(%err, "sandbox server stopped");
        }
    });
    Ok(format!("http://{address}"))
}

/// All fakes running on their own runtime, for synchronous callers (the
/// demo mode and UI tests).
pub struct Sandbox {
    // Kept alive so the servers keep running; dropped last.
    _runtime: tokio::runtime::Runtime,
    /// The Gcore fake's state.
    pub gcore: gcore::GcoreFake,
    /// Base URL of the Gcore fake.
    pub gcore_url: String,
    /// The Sesterce fake's state.
    pub sesterce: sesterce::SesterceFake,
    /// Base URL of the Sesterce fake.
    pub sesterce_url: String,
    /// The Terraform fake's state.
    pub terraform: terraform::TerraformFake,
    /// Base URL of the Terraform fake (without `/api/v2`, as a user types it).
    pub terraform_url: String,
}

impl std::fmt::Debug for Sandbox {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Sandbox")
            .field("gcore_url", &self.gcore_url)
            .field("sesterce_url", &self.sesterce_url)
            .field("terraform_url", &self.terraform_url)
            .finish()
    }
}

impl Sandbox {
    /// Starts empty fakes (one default project/organization, no keys).
    pub fn start() -> std::io::Result<Self> {
        Self::start_with(
            gcore::GcoreFake::new(),
            sesterce::SesterceFake::new(),
            terraform::TerraformFake::new(),
        )
    }

    /// Starts fakes filled with sample keys, for `--demo`.
    pub fn start_demo() -> std::io::Result<Self> {
        let gcore = gcore::GcoreFake::new();
        gcore.seed_demo();
        let sesterce = sesterce::SesterceFake::new();
        sesterce.seed_demo();
        let terraform = terraform::TerraformFake::new();
        terraform.seed_demo();
        Self::start_with(gcore, sesterce, terraform)
    }

    /// Starts the given fakes.
    pub fn start_with(
        gcore: gcore::GcoreFake,
        sesterce: sesterce::SesterceFake,
        terraform: terraform::TerraformFake,
    ) -> std::io::Result<Self> {
        let runtime = tokio::runtime::Builder::new_multi_thread()
            .worker_threads(2)
            .thread_name("keyfleet-sandbox")
            .enable_all()
            .build()?;
        let (gcore_url, sesterce_url, terraform_url) = runtime.block_on(async {
            Ok::<_, std::io::Error>((
                serve(gcore.router()).await?,
                serve(sesterce.router()).await?,
                serve(terraform.router()).await?,
            ))
        })?;
        Ok(Self {
            _runtime: runtime,
            gcore,
            gcore_url,
            sesterce,
            sesterce_url,
            terraform,
            terraform_url,
        })
    }
}
