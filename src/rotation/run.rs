//! One rotation step against one account. Every step starts from what the
//! server lists, never from what an earlier run remembers: a retried or
//! resumed step finds its own earlier work and does not repeat it.

use crate::backend::fleet::publish_to;
use crate::backend::{CreateOutcome, create_with_recovery};
use crate::keys::SecretString;
use crate::providers::{
    ApiError, ApiErrorKind, KeyScope, NewKey, NewKeyMaterial, ProviderClient, RemoteKey,
};

use super::plan::{AccountStep, NewKeyInfo};

/// Adds the new key where `step` says, keeping the old key's shared and
/// default flags, and moves what used the old key (HCP Terraform
/// workspaces) to it. Returns the new key's id there.
pub async fn add(
    client: &ProviderClient,
    step: &AccountStep,
    new: &NewKeyInfo,
) -> Result<String, ApiError> {
    if step.stores_private_key {
        return add_private(client, step, new).await;
    }
    let scope = KeyScope::from(&step.scope);
    let new_key = NewKey {
        name: new.name.clone(),
        material: NewKeyMaterial::PublicKey(new.public_key.clone()),
        // Unknown only where the provider has no such flag (ignored there).
        shared_in_project: step.shared_in_project.unwrap_or(true),
        scope,
    };
    let (_, key) = publish_to(client, &new_key, &new.sha256).await?;
    // A key found already there may carry other flags than the old key.
    if let Some(shared) = step.shared_in_project
        && key.shared_in_project.is_some_and(|now| now != shared)
    {
        client.set_shared(&key, shared).await?;
    }
    if step.make_default && key.is_default != Some(true) {
        client.make_default(&key).await?;
    }
    Ok(key.id)
}

/// Removes the old key, only once the server shows the new one in place
/// (and, for HCP Terraform, no workspace still on the old key). A key
/// already gone counts as removed.
pub async fn remove(
    client: &ProviderClient,
    step: &AccountStep,
    new: &NewKeyInfo,
) -> Result<(), ApiError> {
    if !step.may_remove() {
        return Err(ApiError::invalid_input(
            "The new key was not added to this account, so the old key stays.",
        ));
    }
    let scope = KeyScope::from(&step.scope);
    let keys = client.list_keys().await?;
    let new_key = find_new(&keys, step, new, &scope).ok_or_else(|| {
        ApiError::invalid_input(format!(
            "The new key \"{}\" is no longer on this account, so the old key was kept. Run the add step again.",
            new.name
        ))
    })?;
    if step.stores_private_key {
        move_workspaces(client, &step.old_key_id, &new_key.id).await?;
    }
    let Some(old) = keys
        .iter()
        .find(|key| key.id == step.old_key_id && key.scope.same_place(&scope))
    else {
        return Ok(());
    };
    client.delete_key(old).await
}

/// The new key in `keys`: by fingerprint, or by the planned name where the
/// account stores private keys (no fingerprint is listed there).
fn find_new<'a>(
    keys: &'a [RemoteKey],
    step: &AccountStep,
    new: &NewKeyInfo,
    scope: &KeyScope,
) -> Option<&'a RemoteKey> {
    keys.iter().find(|key| {
        key.scope.same_place(scope)
            && key.id != step.old_key_id
            && if step.stores_private_key {
                key.name == new.name
            } else {
                key.fingerprint_sha256.as_deref() == Some(new.sha256.as_str())
            }
    })
}

/// HCP Terraform: creates the new key from the saved private key file
/// unless a key of the planned name exists, then moves the workspaces.
async fn add_private(
    client: &ProviderClient,
    step: &AccountStep,
    new: &NewKeyInfo,
) -> Result<String, ApiError> {
    let scope = KeyScope::from(&step.scope);
    let keys = client.list_keys().await?;
    let id = match find_new(&keys, step, new, &scope) {
        Some(existing) => existing.id.clone(),
        None => {
            let private_key = read_new_private_key(new).await?;
            let new_key = NewKey {
                name: new.name.clone(),
                material: NewKeyMaterial::PrivateKey(private_key),
                shared_in_project: false,
                scope,
            };
            match create_with_recovery(client, &new_key).await? {
                CreateOutcome::Created(created) => created.key.id,
                CreateOutcome::LostButFound { key, .. } => key.id,
            }
        }
    };
    move_workspaces(client, &step.old_key_id, &id).await?;
    Ok(id)
}

/// Points every workspace on `old_id` at `new_id`, then lists them again
/// and fails if any still uses the old key.
async fn move_workspaces(
    client: &ProviderClient,
    old_id: &str,
    new_id: &str,
) -> Result<(), ApiError> {
    for workspace in client.list_workspaces().await? {
        if workspace.ssh_key_id.as_deref() == Some(old_id) {
            client
                .assign_workspace_key(&workspace.id, Some(new_id))
                .await?;
        }
    }
    let left: Vec<String> = client
        .list_workspaces()
        .await?
        .into_iter()
        .filter(|workspace| workspace.ssh_key_id.as_deref() == Some(old_id))
        .map(|workspace| workspace.name)
        .collect();
    if left.is_empty() {
        Ok(())
    } else {
        Err(ApiError::new(
            ApiErrorKind::Validation,
            format!(
                "Workspaces {} still use the old key after the move; it was kept.",
                left.join(", ")
            ),
        ))
    }
}

/// Reads the saved private key and checks it is still the planned key
/// (the file may have been replaced since). Messages name the file only.
async fn read_new_private_key(new: &NewKeyInfo) -> Result<SecretString, ApiError> {
    let path = new.private_key_path.clone();
    let expected = new.sha256.clone();
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
