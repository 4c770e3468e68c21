//! Performing what the [`Machine`] asks against real accounts: one
//! provider call per [`Effect`] ([`perform`]), and [`drive`], which runs a
//! machine's requests on every account concurrently until none is left.
//! The decisions are all in the machine; nothing here chooses a key.

use futures::StreamExt;
use futures::stream::FuturesUnordered;

use crate::keys::SecretString;
use crate::providers::{ApiError, NewKey, NewKeyMaterial, ProviderClient};

use super::machine::{Answer, CreateMaterial, Effect, Machine, Reply, Request};
use super::plan::Rotation;

/// Performs one effect with `client`. A create is sent once (the machine
/// decides what a failed create means from a fresh listing).
pub async fn perform(client: &ProviderClient, effect: &Effect) -> Answer {
    match effect {
        Effect::ListKeys => client.list_keys().await.map(Reply::Keys),
        Effect::Create {
            name,
            material,
            shared_in_project,
            scope,
            expires_at,
        } => {
            let material = match material {
                CreateMaterial::PublicKey(line) => NewKeyMaterial::PublicKey(line.clone()),
                CreateMaterial::PrivateKeyFile { path, sha256 } => {
                    NewKeyMaterial::PrivateKey(read_new_private_key(path, sha256).await?)
                }
            };
            let new_key = NewKey {
                name: name.clone(),
                material,
                shared_in_project: *shared_in_project,
                scope: scope.clone(),
                expires_at: *expires_at,
            };
            client
                .create_key(&new_key)
                .await
                .map(|created| Reply::Created(Box::new(created.key)))
        }
        Effect::SetShared { key, shared } => {
            client.set_shared(key, *shared).await.map(|_| Reply::Done)
        }
        Effect::SetLabels { key, labels } => client
            .update_key(key, None, Some(labels))
            .await
            .map(|_| Reply::Done),
        Effect::MakeDefault { key } => client.make_default(key).await.map(|()| Reply::Done),
        Effect::ListWorkspaces => client.list_workspaces().await.map(Reply::Workspaces),
        Effect::AssignWorkspace {
            workspace_id,
            key_id,
        } => client
            .assign_workspace_key(workspace_id, Some(key_id))
            .await
            .map(|_| Reply::Done),
        Effect::Delete { key } => client.delete_key(key).await.map(|()| Reply::Done),
    }
}

/// Runs `requests` and every request the machine asks for after them,
/// each account's chain concurrently with the others, until the machine
/// waits for nothing. `client_of(profile_id)` gives the account's client;
/// `on_change` sees the rotation after every answer (to save it).
pub async fn drive(
    machine: &mut Machine,
    rotation: &mut Rotation,
    requests: Vec<Request>,
    client_of: &(dyn Fn(&str) -> Result<ProviderClient, ApiError> + Sync),
    mut on_change: impl FnMut(&Rotation),
) {
    let start = |request: Request| {
        let client = client_of(&request.profile_id);
        async move {
            let answer = match client {
                Ok(client) => perform(&client, &request.effect).await,
                Err(err) => Err(err),
            };
            (request.step, answer)
        }
    };
    let mut running: FuturesUnordered<_> = requests.into_iter().map(start).collect();
    while let Some((step, answer)) = running.next().await {
        if let Some(next) = machine.answer(rotation, step, answer) {
            running.push(start(next));
        }
        on_change(rotation);
    }
}

/// Reads the saved private key and checks it is still the planned key
/// (the file may have been replaced since). Messages name the file only.
async fn read_new_private_key(
    path: &std::path::Path,
    expected: &str,
) -> Result<SecretString, ApiError> {
    let path = path.to_path_buf();
    let expected = expected.to_string();
    tokio::task::spawn_blocking(move || {
        let text = crate::keys::private::read_private_key_file(&path)
            .map_err(|err| ApiError::invalid_input(err.to_string()))?;
        let info = crate::keys::private::inspect_private_key(&text, None)
            .map_err(|err| ApiError::invalid_input(err.to_string()))?;
        if info.public.fingerprint_sha256 != expected {
            return Err(ApiError::invalid_input(format!(
                "{} no longer holds the new key (its fingerprint changed); the rotation stopped here.",
                path.display()
            )));
        }
        Ok(text)
    })
    .await
    .unwrap_or_else(|_| Err(ApiError::invalid_input("Reading the new private key stopped.")))
}
